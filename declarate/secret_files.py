"""Secret files: where API key values and client secrets go, once, at creation (`--secrets-dir`).

`FileSecretSink` writes each secret to its own file, readable by the owner only, and returns the path.
It never overwrites a file (an earlier secret may be the only copy left: Pinecone shows a secret once),
and it never returns, logs or raises with the value. It does not decide which fields are secrets.

`prepare` runs before apply changes anything: a path that is not (and cannot become) a directory is
refused then, not after a key was created; an existing directory is tightened to 0700 and gets its
`.gitignore` (so does a `.declarate/` directory around it, which also holds the local database).
`ready` makes the directory before the first credential is created, so a run killed before its
first secret reached a file still leaves it; `lost_secrets` tells the next plan which live
credentials have no file.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from declarate.errors import DeclarateError
from declarate.model.address import Address, Kind
from declarate.model.kinds import KINDS
from declarate.model.plan import Action, Change
from declarate.model.state import State

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
_MAX_SUFFIX = 1000
_FIELD = re.compile(r"[A-Za-z0-9_-]+")
# Anything else could mean something to a shell or a path; `_` is kept only where it cannot be read
# as (part of) the `__` between two segments.
_KEPT_CHARACTERS = ".@:+=-"
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9.@:+=-]+(?:_[A-Za-z0-9.@:+=-]+)*")
# The secrets directory lives inside the config repository by default; this keeps `git add .` from
# committing it.
_GITIGNORE = "# written by declarate: secrets must never be committed\n*\n"
_STATE_GITIGNORE = "# written by declarate: secrets and the local database must never be committed\n*\n"
STATE_DIRECTORY = ".declarate"


class SecretWriteError(DeclarateError):
    """A secret could not be written; the message names the file, never the value."""


def secret_file_name(address: Address, field: str) -> str:
    """`project__apparel-team__api-key__recs-service.value` for that key's `value`.

    One file name per address (two keys never share a file, and a project's key files are exactly
    those starting with its `_key_file_prefix`): the segments of the address are joined by `__`; a
    segment made of `[A-Za-z0-9._@:+=-]` with no `__` and no `_` at either end is kept as is (every
    name of the quickstart kind), any other is percent-encoded, `_` included (`team a` becomes
    `team%20a`, `team_` becomes `team%5F`), so no segment holds `__` and a kept one never holds `%`.
    """
    if not _FIELD.fullmatch(field):
        raise ValueError(f"not a secret field name: {field!r}")
    return "__".join(_file_segment(segment) for segment in str(address).split("/")) + "." + field


def _file_segment(segment: str) -> str:
    """A segment of an address as it is written in a secret file name (see `secret_file_name`)."""
    if _PLAIN_SEGMENT.fullmatch(segment):
        return segment
    return "".join(
        char if char.isascii() and (char.isalnum() or char in _KEPT_CHARACTERS) else _percent(char)
        for char in segment
    )


def _percent(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))


class FileSecretSink:
    """A SecretSink writing each secret to `<directory>/<address with / as __>.<field>`.

    The directory is created with mode 0700 and each file with mode 0600, created exclusively: when
    the name is taken, the secret goes to `<name>.1`, `<name>.2`, ... instead. `store` returns the
    path, relative to the working directory when it lies below it.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def prepare(self) -> None:
        """Check the directory can hold secrets, before any change; SecretWriteError says why not.

        An existing directory is tightened to 0700 and given its `.gitignore`; a missing one must have
        a directory as its nearest existing ancestor, one this process may write to.
        """
        if self.directory.is_dir():
            self._protect()
            return
        if self.directory.exists() or self.directory.is_symlink():
            raise SecretWriteError(f"--secrets-dir {self.directory} is not a directory: nothing was changed")
        ancestor = self.directory.absolute().parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
            raise SecretWriteError(
                f"cannot create the secrets directory {self.directory}: {ancestor} is not a writable "
                "directory; nothing was changed"
            )
        protect_state_directory(self.directory.absolute().parent)

    def ready(self) -> None:
        """Create the directory (0700, with its `.gitignore`) before the first credential is created.

        A run killed after the server made a credential and before its secret reached a file leaves
        no file; with the directory there, the next plan reports the secret lost (`lost_secrets`)
        instead of taking this machine for one that never holds secrets. SecretWriteError says why
        it cannot be made, before any change.
        """
        self._ensure_directory()

    def store(self, address: Address, field: str, value: str) -> str:
        """Write `value` once and return where it went."""
        self._ensure_directory()
        base = self.directory / secret_file_name(address, field)
        for suffix in range(_MAX_SUFFIX):
            path = base if suffix == 0 else base.with_name(f"{base.name}.{suffix}")
            if self._write_new(path, value):
                return _display_path(path)
        raise SecretWriteError(
            f"cannot write the {field} of {address}: {base} and {_MAX_SUFFIX - 1} numbered copies "
            "already exist; move old secret files away"
        )

    def _ensure_directory(self) -> None:
        if not self.directory.is_dir():
            try:
                self.directory.mkdir(parents=True, mode=DIRECTORY_MODE)
            except FileExistsError:
                if not self.directory.is_dir():
                    raise SecretWriteError(
                        f"cannot write secrets to {self.directory}: not a directory"
                    ) from None
            except OSError as exc:
                raise SecretWriteError(
                    f"cannot create the secrets directory {self.directory}: {exc.strerror}"
                ) from None
        self._protect()

    def _protect(self) -> None:
        """Mode 0700 (mkdir's mode is reduced by the umask; an old directory may be 0777) and `.gitignore`."""
        try:
            if os.stat(self.directory).st_mode & 0o777 != DIRECTORY_MODE:
                os.chmod(self.directory, DIRECTORY_MODE)
            with contextlib.suppress(FileExistsError):
                _write_exclusive(self.directory / ".gitignore", _GITIGNORE, 0o644)
        except OSError as exc:
            raise SecretWriteError(
                f"cannot protect the secrets directory {self.directory}: {exc.strerror}"
            ) from None
        protect_state_directory(self.directory.absolute().parent)

    def discard(self, path: str) -> None:
        """Remove a secret file `store` returned, once its object is known deleted (never any other)."""
        target = Path(path)
        if not target.is_absolute():
            target = Path.cwd() / target
        if target.parent.resolve() == self.directory.resolve():
            with contextlib.suppress(FileNotFoundError):
                target.unlink()

    def rename(self, old: Address, new: Address) -> None:
        """Move the secret files of `old` (for a project: of every API key in it) to `new`'s names.

        A file is moved by a hard link to its new name, then the old name is removed: it never
        overwrites a file (a taken name gets the next number, unless it holds the same secret: then
        a run killed between the two steps is simply finished), and never leaves the secret nowhere.
        """
        try:
            names = sorted(os.listdir(self.directory))
        except OSError:
            return  # no directory: nothing was stored here
        for name in names:
            target = _renamed_file_name(name, old, new)
            if target is not None:
                self._move(self.directory / name, self.directory / target)

    def _move(self, source: Path, target: Path) -> None:
        for suffix in range(_MAX_SUFFIX):
            path = target if suffix == 0 else target.with_name(f"{target.name}.{suffix}")
            try:
                os.link(source, path, follow_symlinks=False)
            except FileExistsError:
                if _same_content(source, path):
                    break
                continue
            except OSError as exc:
                raise SecretWriteError(
                    f"cannot move secret file {source} to {path}: {exc.strerror}"
                ) from None
            break
        else:
            raise SecretWriteError(
                f"cannot move secret file {source}: {target} and its numbered copies exist"
            )
        source.unlink(missing_ok=True)

    def exists_for(self, address: Address, field: str, listed: Sequence[str] | None = None) -> bool:
        """True when a secret file (or a numbered copy) of `field` of `address` is in the directory.

        `listed`: the directory's file names (`file_names()`), for a caller asking about many.
        """
        base = secret_file_name(address, field)
        names = self.file_names() if listed is None else listed
        return any(
            name == base or (name.startswith(base + ".") and name[len(base) + 1 :].isdigit())
            for name in names
        )

    def file_names(self) -> list[str]:
        """The names in the directory (none when it cannot be listed)."""
        try:
            return os.listdir(self.directory)
        except OSError:
            return []

    def _write_new(self, path: Path, value: str) -> bool:
        """Write `value` to `path` if no file (or symlink) has that name; False when one does."""
        try:
            _write_exclusive(path, value, FILE_MODE)
        except FileExistsError:
            return False
        except OSError as exc:
            # `from None`: the chained traceback would add nothing, and the message names only the path.
            raise SecretWriteError(f"cannot write secret file {path}: {exc.strerror}") from None
        return True


def _renamed_file_name(name: str, old: Address, new: Address) -> str | None:
    """The name the secret file `name` gets when `old` is renamed to `new`, or None when it is not one of old's."""
    if old.kind is Kind.PROJECT:
        prefix, renamed = _key_file_prefix(old.name), _key_file_prefix(new.name)
        rest = name[len(prefix) :]
        # `__` in the rest: a file of another project whose name starts like this one's prefix.
        return renamed + rest if name.startswith(prefix) and "__" not in rest else None
    field = SECRET_FIELDS.get(old.kind)
    if field is None:
        return None
    base = secret_file_name(old, field)
    if name == base or (name.startswith(base + ".") and name[len(base) + 1 :].isdigit()):
        return secret_file_name(new, field)
    return None


def _key_file_prefix(project: str) -> str:
    """How the secret file names of a project's API keys begin (`project__NAME__api-key__`); what
    follows it in one of them is a single segment (no `__`) and the field."""
    return secret_file_name(Address.api_key(project, "x"), "value").removesuffix("x.value")


def _same_content(first: Path, second: Path) -> bool:
    try:
        return first.read_bytes() == second.read_bytes()
    except OSError:
        return False


def protect_state_directory(directory: Path) -> None:
    """Give a `.declarate/` directory its `.gitignore` (it holds secrets and the local database).

    Best effort and only for a directory of that name: a custom path elsewhere is the user's to manage.
    """
    if directory.name != STATE_DIRECTORY or not directory.is_dir():
        return
    with contextlib.suppress(OSError):
        _write_exclusive(directory / ".gitignore", _STATE_GITIGNORE, 0o644)


def _write_exclusive(path: Path, text: str, mode: int) -> None:
    """Create `path` with `mode` and write `text`; FileExistsError if any file or symlink has the name.

    O_EXCL makes creation atomic and refuses an existing name even when it is a dangling symlink.

    A partly written file is removed, so a name either holds the whole secret or nothing.
    """
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, mode)
    try:
        os.fchmod(fd, mode)  # the umask may have removed bits; never added any
        data = text.encode()
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)


def _display_path(path: Path) -> str:
    """`path` relative to the working directory when it lies below it, else absolute."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


# The secret each credential kind is issued once, at creation (or rotation), from the KINDS table.
SECRET_FIELDS: dict[Kind, str] = {
    kind: spec.secret_fields[0] for kind, spec in KINDS.items() if spec.secret_fields
}


def issues_secrets(changes: Iterable[Change]) -> bool:
    """True when a change creates (or replaces) a credential, whose secret is issued once."""
    return any(c.kind in SECRET_FIELDS and c.action in (Action.CREATE, Action.REPLACE) for c in changes)


def lost_secrets(declared: Iterable[Address], live: State, sink: FileSecretSink) -> list[Address]:
    """Declared credentials that exist live but whose secret file is missing from the sink's directory.

    Only checked when the directory exists: a machine without it (a CI runner that only plans) cannot
    tell a lost secret from one kept elsewhere, and must not cry wolf for every key.
    """
    if not sink.directory.is_dir():
        return []
    listed = sink.file_names()  # once, not once per credential (50 projects' keys: 50 listings)
    return sorted(
        address
        for address in declared
        if address.kind in SECRET_FIELDS
        and address in live
        and not sink.exists_for(address, SECRET_FIELDS[address.kind], listed)
    )
