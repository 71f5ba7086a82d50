"""`python -m declarate.cli ARGS` for the test harness, forked from a helper that imported declarate once.

Most of a CLI child's CPU was importing (about 0.4 s of a plan's 0.47 s on the shared 2-core
machine), paid by every one of the suite's hundreds of end-to-end runs. One helper process per
pytest worker imports declarate's modules once, holds no thread, and forks a child per call. The
child runs declarate as the real command would: ``python -m declarate.cli`` (``runpy`` as
``__main__``, ``sys.argv``, ``sys.path[0]`` the working directory) or a console script (``runpy``
on its file), with the call's working directory, environment (``PYTHONPATH`` included) and
standard streams, and its exit status is the CLI's own, signals included.

- ``run`` is ``subprocess.run(capture_output=True, text=True)`` of ``python -m declarate.cli``
  (the e2e harness).
- ``shim_line`` is a shell line that runs declarate with the shell's own streams (the GitHub
  Actions stand-in puts it on ``PATH`` as ``declarate``).

What it is not: a test of process start-up. Tests about start-up and import laziness, signals,
kill -9, Ctrl-C or terminals start a real process. A call also gets a real process when it needs
what a fork cannot give (an interpreter setting from the environment, such as the locale or
``PYTHONHASHSEED``, that differs from the helper's; no ``fork`` on this platform), when
``DECLARATE_TESTS_FORK=0``, and, with a warning, when no helper could start (one that would hold
a thread after its imports refuses to). The helper stops when the worker that started it exits (end of file
on its stdin).
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import random
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

MODULE = "declarate.cli"
# Settings a Python process reads once, at start-up: a child forked from the helper has the
# helper's. A call whose environment differs in one of them runs in a real process (PYTHONPATH
# excepted: the child puts its entries on sys.path where Python would). numpy's BLAS thread pools
# are sized 1 in the helper so it holds no thread (fork copies only the calling thread); that
# changes no result.
_STARTUP_PREFIXES = ("PYTHON", "LC_")
_STARTUP_NAMES = ("LANG", "LANGUAGE")
_THREAD_POOLS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _startup_settings(env: Mapping[str, str]) -> dict[str, str]:
    return {
        k: v
        for k, v in env.items()
        if (k.startswith(_STARTUP_PREFIXES) or k in _STARTUP_NAMES) and k != "PYTHONPATH"
    }


# --- the caller's side ------------------------------------------------------------------------------


class _Helper:
    """A running helper process of this pytest worker, started on first use.

    Each helper has its own random string-hash seed (unless the worker's environment fixes
    PYTHONHASHSEED), as each real process would: a child has its helper's, and the worker's calls
    alternate between two helpers, so two runs in a row never share it and an output that depends
    on the order of a set of strings still differs between runs as it would between processes.
    """

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="declarate-forked-cli-"))
        self.address = str(self.directory / "socket")
        self.log = open(self.directory / "helper.log", "wb")  # noqa: SIM115 (lives as long as the helper)
        env, command = {**os.environ, **_THREAD_POOLS}, [sys.executable, __file__, self.address]
        if "PYTHONHASHSEED" not in env:
            env["PYTHONHASHSEED"] = str(random.randint(1, 2**32 - 1))
            command.append(_SEEDED)
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=env
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if ready != b"ready\n":
            self.log.flush()
            said = (self.directory / "helper.log").read_text(errors="replace").strip()
            self.close()
            raise RuntimeError(f"the forked-CLI helper did not start: {said or ready!r}")

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # the helper's signal to stop
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.log.close()
        shutil.rmtree(self.directory, ignore_errors=True)


_SEEDED = "--seeded"  # the helper's hash seed is its own: a call that sets none may use it
_helpers: list[_Helper | None] = [None, None]
_turn = 0  # the helper the next call goes to
_unavailable = ""  # why no helper could start in this process, if none could
usage = {"calls": 0, "cpu": 0.0}  # forked calls made by this process and their CPU seconds (user + sys)


def _the_helper() -> _Helper | None:
    """The helper the next call goes to, started on first use; None where calls run in real processes."""
    if (
        not hasattr(os, "fork")
        or not hasattr(os, "pidfd_open")
        or os.environ.get("DECLARATE_TESTS_FORK") == "0"
    ):
        return None
    global _unavailable
    if _unavailable:
        return None
    helper = _helpers[_turn]
    if helper is None or helper.process.poll() is not None:
        try:
            helper = _helpers[_turn] = _Helper()
        except RuntimeError as failed:  # e.g. a library that starts a thread on import: still correct, slower
            _unavailable = str(failed)
            warnings.warn(f"{failed}; every CLI run starts a real process", stacklevel=2)
            return None
        atexit.register(helper.close)
    return helper


def _replace_the_helper() -> _Helper | None:
    """A new helper for one that can no longer be reached (stopped, or its socket removed by a /tmp
    clean-up): only ever before a call was sent, so no CLI run is repeated."""
    helper = _helpers[_turn]
    if helper is not None:
        atexit.unregister(helper.close)
        helper.close()
        _helpers[_turn] = None
    return _the_helper()


def _next_turn() -> None:
    global _turn
    _turn = 1 - _turn


class _Unreachable(Exception):
    """The helper's socket refused or is gone: nothing of the call was sent."""


def run(
    args: Sequence[str], *, cwd: Path, env: Mapping[str, str], input: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m declarate.cli ARGS` in `cwd` with exactly `env`: as ``subprocess.run`` with
    ``capture_output=True, text=True`` (returncode, stdout, stderr; ``TimeoutExpired`` on timeout)."""
    command = [sys.executable, "-m", MODULE, *args]
    helper = _the_helper()
    if helper is not None:
        with contextlib.ExitStack() as files:
            stdin, stdout, stderr = (files.enter_context(tempfile.TemporaryFile()) for _ in range(3))
            stdin.write(input.encode(_locale_encoding()))
            stdin.seek(0)
            request = {"main": MODULE, "args": list(args), "cwd": str(cwd), "env": dict(env)}
            try:
                code = _call(helper.address, request, (stdin, stdout, stderr), timeout, command)
            except _Unreachable:
                helper = _replace_the_helper()
                code = None
                if helper is not None:
                    code = _call(helper.address, request, (stdin, stdout, stderr), timeout, command)
            _next_turn()
            if code is not None:
                return subprocess.CompletedProcess(command, code, _text(stdout), _text(stderr))
    return subprocess.run(
        command, cwd=cwd, env=dict(env), input=input, capture_output=True, text=True, timeout=timeout
    )


def shim_line(console_script: Path | None) -> str:
    """A shell line (`exec ...`) that runs declarate with "$@": the console script's file (its
    program name is `declarate`) when given, else `python -m declarate.cli`. Starts both helpers;
    each run goes to one of them by its process id."""
    main = str(console_script) if console_script is not None else MODULE
    addresses = []
    for _ in _helpers:
        helper = _the_helper()
        if helper is None:
            target = f'"{main}"' if console_script is not None else f"-m {MODULE}"
            return f'exec "{sys.executable}" {target} "$@"'
        addresses.append(helper.address)
        _next_turn()
    return f'exec "{sys.executable}" -I -S "{__file__}" --call "{os.pathsep.join(addresses)}" "{main}" "$@"'


def _locale_encoding() -> str:
    import locale

    return locale.getencoding() if sys.version_info >= (3, 11) else locale.getpreferredencoding(False)


def _text(file: IO[bytes]) -> str:
    """What ``subprocess.run(text=True)`` returns: decoded, universal newlines."""
    file.seek(0)
    return io.TextIOWrapper(io.BytesIO(file.read()), encoding=_locale_encoding()).read()


def _call(
    address: str, request: dict[str, Any], streams: Sequence[Any], timeout: float | None, command: list[str]
) -> int | None:
    """Run `request` in a forked child with `streams` as its stdin, stdout, stderr: its exit code, or
    None when the helper will not run it (then the caller starts a real process). Raises
    _Unreachable, before anything was sent, when the helper cannot be reached."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        try:
            connection.connect(address)
        except (FileNotFoundError, ConnectionRefusedError) as unreachable:
            raise _Unreachable(address) from unreachable
        socket.send_fds(connection, [b"r"], [s if isinstance(s, int) else s.fileno() for s in streams])
        connection.sendall(json.dumps(request).encode() + b"\n")
        replies = connection.makefile("rb")
        started = json.loads(replies.readline())
        if "refused" in started:
            return None
        try:
            line = replies.readline()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(started["pid"], signal.SIGKILL)
            raise subprocess.TimeoutExpired(command, timeout or 0) from None
        if not line:
            raise RuntimeError("the forked-CLI helper stopped during a call")
        reply = json.loads(line)
        usage["calls"] += 1
        usage["cpu"] += reply["cpu"]
        return int(os.waitstatus_to_exitcode(reply["status"]))


def _shim(addresses: str, main: str, args: list[str]) -> None:
    """`--call`: run declarate with this process's streams, cwd and environment; exit as it did."""
    request = {"main": main, "args": args, "cwd": os.getcwd(), "env": dict(os.environ)}
    choices = addresses.split(os.pathsep)
    try:
        code = _call(choices[os.getpid() % len(choices)], request, (0, 1, 2), None, [])
    except _Unreachable:
        code = None
    if code is None:  # a real process, in place of this one
        target = [main] if main != MODULE else ["-m", MODULE]
        os.execv(sys.executable, [sys.executable, *target, *args])
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


# --- the helper process -----------------------------------------------------------------------------


def _preimport() -> None:
    """Every declarate module a command may load, but not ``declarate.cli``: the child runs it as
    ``__main__``, and a command that imports ``declarate.cli`` gets its own copy, as under ``-m``."""
    import importlib
    import pkgutil

    from declarate import startup

    startup.skip_unused_parts()  # as `cli.run` does before anything imports httpx
    import declarate

    for module in pkgutil.walk_packages(declarate.__path__, "declarate."):
        if module.name != MODULE and not module.name.endswith(".__main__"):
            importlib.import_module(module.name)


def _threads() -> int:
    import threading

    tasks = Path("/proc/self/task")
    return len(list(tasks.iterdir())) if tasks.is_dir() else threading.active_count()


def _serve(address: str, seeded: bool) -> None:
    _preimport()
    if _threads() != 1:
        raise SystemExit(f"the helper holds {_threads()} threads after its imports: fork would lose them")
    import gc

    gc.collect()
    gc.freeze()  # the imported objects stay shared with every child instead of being copied
    own = _startup_settings(os.environ)
    if seeded:  # a seed of its own, as a real process draws one: any call that sets none may use it
        own.pop("PYTHONHASHSEED")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(64)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(sys.stdin.buffer, selectors.EVENT_READ, "stop")
    running: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, connection)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        for key, _ in selector.select():
            if key.data == "stop":  # the worker is gone, whether or not it could clean up
                shutil.rmtree(os.path.dirname(address), ignore_errors=True)
                return
            if key.data == "exit":
                pidfd = int(key.fd)
                pid, connection = running.pop(pidfd)
                selector.unregister(pidfd)
                os.close(pidfd)
                _, status, rusage = os.wait4(pid, 0)
                reply = {"status": status, "cpu": rusage.ru_utime + rusage.ru_stime}
                with contextlib.suppress(OSError):  # the caller gave up (timeout)
                    connection.sendall(json.dumps(reply).encode() + b"\n")
                connection.close()
                continue
            connection, _ = listener.accept()
            fds: list[int] = []
            try:
                _, fds, _, _ = socket.recv_fds(connection, 1, 3)
                request = json.loads(connection.makefile("rb").readline())
                if _startup_settings(request["env"]) != own:
                    connection.sendall(b'{"refused": "interpreter settings differ"}\n')
                    connection.close()
                    continue
                pid = os.fork()
                if pid == 0:  # the child: keep none of the helper's descriptors
                    selector.close()
                    for pidfd, (_, other) in running.items():
                        os.close(pidfd)
                        other.close()
                    listener.close()
                    connection.close()
                    _child(request, fds)
            finally:
                for fd in fds:
                    os.close(fd)
            connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            pidfd = os.pidfd_open(pid)
            running[pidfd] = (pid, connection)
            selector.register(pidfd, selectors.EVENT_READ, "exit")


def _child(request: dict[str, Any], fds: list[int]) -> None:
    """Become `python -m declarate.cli ARGS` (or the console script) as requested; never returns."""
    import runpy

    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.chdir(request["cwd"])
        _set_python_path(request["env"].get("PYTHONPATH", ""))
        os.environ.clear()
        os.environ.update(request["env"])
        main = request["main"]
        try:
            if main == MODULE:
                sys.argv = ["-m", *request["args"]]
                sys.path[0] = os.getcwd()
                runpy.run_module(MODULE, run_name="__main__", alter_sys=True)
            else:
                sys.argv = [main, *request["args"]]
                sys.path[0] = os.path.dirname(os.path.realpath(main))
                runpy.run_path(main, run_name="__main__")
            code = 0
        except SystemExit as exit:
            code = _exit_code(exit.code)
        except KeyboardInterrupt:
            _finish(0)
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # as Python does: die of SIGINT
            os.kill(os.getpid(), signal.SIGINT)
        except BaseException:
            sys.excepthook(*sys.exc_info())
            code = 1
        code = _finish(code)
    finally:
        os._exit(code)


def _python_path(value: str) -> list[str]:
    """The sys.path entries Python makes of a `PYTHONPATH` value at start-up (absolute, from the cwd)."""
    return [os.path.abspath(entry) for entry in value.split(os.pathsep) if entry]


_OWN_PYTHON_PATH = _python_path(os.environ.get("PYTHONPATH", ""))  # the helper's, made in its cwd


def _set_python_path(wanted: str) -> None:
    """`PYTHONPATH`'s entries come right after sys.path[0]: the helper's own, replaced by the call's."""
    own = _OWN_PYTHON_PATH
    if own and sys.path[1 : 1 + len(own)] == own:
        del sys.path[1 : 1 + len(own)]
    sys.path[1:1] = _python_path(wanted)


def _exit_code(value: object) -> int:
    """The exit status Python gives `SystemExit(value)`."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    print(value, file=sys.stderr)
    return 1


def _finish(code: int) -> int:
    """Python's own exit steps, as the `declarate` command takes them before `os._exit`."""
    from declarate.startup import finish_like_python

    return finish_like_python(code)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--call"]:
        _shim(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        _serve(sys.argv[1], sys.argv[2:] == [_SEEDED])
