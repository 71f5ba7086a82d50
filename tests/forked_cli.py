"""`python -m declarate.cli ARGS` for the test harness, forked from a helper that imported declarate once.

Most of a CLI child's CPU was importing (about 0.4 s of a plan's 0.47 s on the shared 2-core
machine), paid by every one of the suite's hundreds of end-to-end runs. One helper process per
pytest worker imports declarate's modules once, holds no thread, and forks a child per call. The
child runs ``declarate.cli`` as ``python -m`` does (``runpy`` as ``__main__``, ``sys.argv``,
``sys.path[0]`` the working directory) with the call's working directory, environment and standard
streams (separate files, as ``subprocess.run(capture_output=True)``), and its exit status is the
CLI's own, signals included.

What it is not: a test of process start-up. Tests about start-up and import laziness, signals,
kill -9, Ctrl-C or terminals start a real ``python -m declarate.cli``; and ``run`` starts one itself
when the call needs what a fork cannot give (an interpreter setting from the environment, such as
``PYTHONPATH`` or the locale, that differs from the helper's; no ``fork`` on this platform), or when
``DECLARATE_TESTS_FORK=0``.

The helper stops when the worker that started it exits (end of file on its stdin).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import io
import json
import os
import pkgutil
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

# Settings a Python process reads once, at start-up: a child forked from the helper has the
# helper's. A call whose environment differs from the helper's in one of them runs in a real
# process. The thread-pool sizes of numpy's BLAS are set to 1 in the helper so it holds no thread
# (fork copies only the calling thread); they change no result.
_STARTUP_PREFIXES = ("PYTHON", "LC_")
_STARTUP_NAMES = ("LANG", "LANGUAGE")
_THREAD_POOLS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _startup_settings(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(_STARTUP_PREFIXES) or k in _STARTUP_NAMES}


# --- the client: one per pytest worker ------------------------------------------------------------


class _Helper:
    """The running helper process of this worker, started on first use."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="declarate-forked-cli-"))
        self.address = str(self.directory / "socket")
        self.env = {**os.environ, **_THREAD_POOLS}
        self.log = open(self.directory / "helper.log", "wb")  # noqa: SIM115 (lives as long as the helper)
        self.process = subprocess.Popen(
            [sys.executable, __file__, self.address],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=self.env,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if ready != b"ready\n":
            self.close()
            log = (self.directory / "helper.log").read_text(errors="replace")
            raise RuntimeError(f"the forked-CLI helper did not start: {ready!r}\n{log}")

    def serves(self, env: Mapping[str, str]) -> bool:
        return self.process.poll() is None and _startup_settings(env) == _startup_settings(self.env)

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # the helper's signal to stop
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.directory, ignore_errors=True)  # someone may have cleaned /tmp already


_helper: _Helper | None = None
usage = {"calls": 0, "cpu": 0.0}  # forked calls made by this process and their CPU seconds (user + sys)


def _the_helper() -> _Helper:
    global _helper
    if _helper is None:
        _helper = _Helper()
        atexit.register(_helper.close)
    return _helper


def _replace_the_helper() -> _Helper:
    """A new helper for one that can no longer be reached (stopped, or its socket removed by a /tmp
    clean-up): only ever before a call was sent, so no CLI run is repeated."""
    global _helper
    if _helper is not None:
        atexit.unregister(_helper.close)
        _helper.close()
        _helper = None
    return _the_helper()


class _Unreachable(Exception):
    """The helper's socket refused or is gone: nothing of the call was sent."""


def _forks() -> bool:
    return hasattr(os, "fork") and hasattr(os, "pidfd_open") and os.environ.get("DECLARATE_TESTS_FORK") != "0"


def run(
    args: Sequence[str], *, cwd: Path, env: Mapping[str, str], input: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m declarate.cli ARGS` in `cwd` with exactly `env`: like ``subprocess.run`` with
    ``capture_output=True, text=True`` (returncode, stdout, stderr; ``TimeoutExpired`` on timeout)."""
    command = [sys.executable, "-m", "declarate.cli", *args]
    if not _forks() or not _the_helper().serves(env):
        return subprocess.run(
            command, cwd=cwd, env=dict(env), input=input, capture_output=True, text=True, timeout=timeout
        )
    with contextlib.ExitStack() as files:
        stdin, stdout, stderr = (files.enter_context(tempfile.TemporaryFile()) for _ in range(3))
        stdin.write(input.encode(_locale_encoding()))
        stdin.seek(0)
        try:
            code = _call(_the_helper(), list(args), cwd, env, (stdin, stdout, stderr), timeout, command)
        except _Unreachable:
            code = _call(
                _replace_the_helper(), list(args), cwd, env, (stdin, stdout, stderr), timeout, command
            )
        return subprocess.CompletedProcess(command, code, _text(stdout), _text(stderr))


def _locale_encoding() -> str:
    import locale

    return locale.getencoding() if sys.version_info >= (3, 11) else locale.getpreferredencoding(False)


def _text(file: IO[bytes]) -> str:
    """What ``subprocess.run(text=True)`` returns: decoded, universal newlines."""
    file.seek(0)
    return io.TextIOWrapper(io.BytesIO(file.read()), encoding=_locale_encoding()).read()


def _call(
    helper: _Helper,
    args: list[str],
    cwd: Path,
    env: Mapping[str, str],
    streams: tuple[IO[bytes], IO[bytes], IO[bytes]],
    timeout: float,
    command: list[str],
) -> int:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        try:
            connection.connect(helper.address)
        except (FileNotFoundError, ConnectionRefusedError) as unreachable:
            raise _Unreachable(helper.address) from unreachable
        socket.send_fds(connection, [b"r"], [s.fileno() for s in streams])
        connection.sendall(json.dumps({"args": args, "cwd": str(cwd), "env": dict(env)}).encode() + b"\n")
        replies = connection.makefile("rb")
        pid = json.loads(replies.readline())["pid"]
        try:
            line = replies.readline()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            raise subprocess.TimeoutExpired(command, timeout) from None
        if not line:
            raise RuntimeError("the forked-CLI helper stopped during a call")
        reply = json.loads(line)
        usage["calls"] += 1
        usage["cpu"] += reply["cpu"]
        return int(os.waitstatus_to_exitcode(reply["status"]))


# --- the helper process -----------------------------------------------------------------------------


def _preimport() -> None:
    """Every declarate module a command may load, but not ``declarate.cli``: the child runs it as
    ``__main__``, and a command that imports ``declarate.cli`` gets its own copy, as under ``-m``."""
    from declarate import startup

    startup.skip_unused_parts()  # as `cli.run` does before anything imports httpx
    import declarate

    for module in pkgutil.walk_packages(declarate.__path__, "declarate."):
        if module.name != "declarate.cli" and not module.name.endswith(".__main__"):
            importlib.import_module(module.name)


def _threads() -> int:
    tasks = Path("/proc/self/task")
    return len(list(tasks.iterdir())) if tasks.is_dir() else threading.active_count()


def _serve(address: str) -> None:
    _preimport()
    if _threads() != 1:
        raise SystemExit(f"the helper holds {_threads()} threads after its imports: fork would lose them")
    import gc

    gc.collect()
    gc.freeze()  # the imported objects stay shared with every child instead of being copied
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
            if key.data == "stop":
                return
            if key.data == "accept":
                connection, _ = listener.accept()
                fds: list[int] = []
                try:
                    _, fds, _, _ = socket.recv_fds(connection, 1, 3)
                    request = json.loads(connection.makefile("rb").readline())
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
            else:
                pidfd = int(key.fd)
                pid, connection = running.pop(pidfd)
                selector.unregister(pidfd)
                os.close(pidfd)
                _, status, usage = os.wait4(pid, 0)
                reply = {"status": status, "cpu": usage.ru_utime + usage.ru_stime}
                with contextlib.suppress(OSError):  # the caller gave up (timeout)
                    connection.sendall(json.dumps(reply).encode() + b"\n")
                connection.close()


def _child(request: dict[str, Any], fds: list[int]) -> None:
    """Become `python -m declarate.cli ARGS` with the request's cwd, environment and streams; never returns."""
    import runpy

    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["-m", *request["args"]]
        sys.path[0] = os.getcwd()
        try:
            runpy.run_module("declarate.cli", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exit:
            code = _exit_code(exit.code)
        except KeyboardInterrupt:
            _exit_by_sigint()
        except BaseException:
            sys.excepthook(*sys.exc_info())
            code = 1
        code = _finish(code)
    finally:
        os._exit(code)


def _exit_code(value: object) -> int:
    """The exit status Python gives `SystemExit(value)`."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    print(value, file=sys.stderr)
    return 1


def _exit_by_sigint() -> None:
    """As Python does for an uncaught KeyboardInterrupt: die of SIGINT."""
    _finish(0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)


def _finish(code: int) -> int:
    """Python's own exit: wait for non-daemon threads, run atexit handlers, flush the streams."""
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = 120
    return code


if __name__ == "__main__":
    _serve(sys.argv[1])
