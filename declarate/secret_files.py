"""Secret files: where API key values and client secrets go, once, at creation (`--secrets-dir`).

`FileSecretSink` writes each secret to its own file, readable by the owner only, and returns the path.
It never overwrites a file (an earlier secret may be the only copy left: Pinecone shows a secret once),
and it never returns, logs or raises with the value. It does not decide which fields are secrets.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from declarate.errors import DeclarateError
from declarate.model.address import Address

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
_MAX_SUFFIX = 1000
_FIELD = re.compile(r"[A-Za-z0-9_-]+")
_UNSAFE = re.compile(r"[^A-Za-z0-9._@:+=-]")  # anything else could mean something to a shell or a path
# The secrets directory lives inside the config repository by default; this keeps `git add .` from
# committing it.
_GITIGNORE = "# written by declarate: secrets must never be committed\n*\n"


class SecretWriteError(DeclarateError):
    """A secret could not be written; the message names the file, never the value."""


def secret_file_name(address: Address, field: str) -> str:
    """`project__apparel-team__api-key__recs-service.value` for that key's `value`."""
    if not _FIELD.fullmatch(field):
        raise ValueError(f"not a secret field name: {field!r}")
    return _UNSAFE.sub("_", str(address).replace("/", "__")) + "." + field


class FileSecretSink:
    """A SecretSink writing each secret to `<directory>/<address with / as __>.<field>`.

    The directory is created with mode 0700 and each file with mode 0600, created exclusively: when
    the name is taken, the secret goes to `<name>.1`, `<name>.2`, ... instead. `store` returns the
    path, relative to the working directory when it lies below it.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

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
        if self.directory.is_dir():
            return
        try:
            self.directory.mkdir(parents=True, mode=DIRECTORY_MODE)
        except FileExistsError:
            if self.directory.is_dir():
                return  # created by someone else meanwhile: theirs to set up
            raise SecretWriteError(f"cannot write secrets to {self.directory}: not a directory") from None
        except OSError as exc:
            raise SecretWriteError(
                f"cannot create the secrets directory {self.directory}: {exc.strerror}"
            ) from None
        try:
            os.chmod(self.directory, DIRECTORY_MODE)  # mkdir's mode was reduced by the umask
            with contextlib.suppress(FileExistsError):
                _write_exclusive(self.directory / ".gitignore", _GITIGNORE, 0o644)
        except OSError as exc:
            raise SecretWriteError(
                f"cannot set up the secrets directory {self.directory}: {exc.strerror}"
            ) from None

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
