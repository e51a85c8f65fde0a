"""Code run as `python -c` runs it, in a process that has imported nothing of the project.

Most of the tests' runtime checks import SQLAlchemy in a new interpreter, and the import is
most of their time (0.3 s of each). A starter process imports SQLAlchemy (and Flask-SQLAlchemy,
if installed) once, and forks a child per run: the child has none of the project's modules
and no mapper or class registry yet, moves to the run's directory, puts it on `sys.path` as
`-c` with `PYTHONPATH` would, and runs the code with its output going to the run's files. On
a platform without `fork`, or if the starter cannot be started, runs are `python -c` as before.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Optional

_STARTER = r"""
import atexit, builtins, json, os, sys, traceback
for name in ("sqlalchemy", "sqlalchemy.orm", "sqlalchemy.ext.declarative", "flask_sqlalchemy"):
    try:
        __import__(name)
    except Exception:
        pass

def child(request):
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.path[:] = ["", *request["path"], *sys.path[1:]]
    sys.argv[:] = ["-c"]
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(os.open(request["stdout"], os.O_WRONLY), 1)
    os.dup2(os.open(request["stderr"], os.O_WRONLY), 2)
    code = 0
    try:
        exec(compile(request["code"], "<string>", "exec"),
             {"__name__": "__main__", "__builtins__": builtins})
    except SystemExit as exit:
        if exit.code is None:
            code = 0
        elif isinstance(exit.code, int):
            code = exit.code
        else:
            print(exit.code, file=sys.stderr)
            code = 1
    except BaseException as error:  # as the interpreter prints it: from the code's frame on
        traceback.print_exception(type(error), error, error.__traceback__.tb_next)
        code = 1
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)

for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        child(request)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.stdout.write(json.dumps({"pid": pid, "code": code}) + "\n")
    sys.stdout.flush()
"""


class _Starter:
    """The starter process, started on first use (one per test process)."""

    def __init__(self) -> None:
        self._process: Optional[subprocess.Popen[str]] = None
        self._lock = threading.Lock()
        self._failed = False

    def run(
        self, cwd: Path, code: str, env: dict[str, str], timeout: float
    ) -> Optional[subprocess.CompletedProcess[str]]:
        """The run's result, or None if there is no starter to run it."""
        with self._lock:
            process = self._started()
            if process is None:
                return None
            with tempfile.TemporaryDirectory() as scratch:
                out, err = Path(scratch, "out"), Path(scratch, "err")
                out.touch()
                err.touch()
                request = {
                    "cwd": str(cwd),
                    "code": code,
                    "env": env,
                    "path": [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p],
                    "stdout": str(out),
                    "stderr": str(err),
                }
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
                done, answer = _read_line(process.stdout, timeout)
                if not answer:
                    self._stop()  # and the run with it
                    if done:  # the starter is gone: runs are `python -c` from now on
                        self._failed = True
                        return None
                    raise subprocess.TimeoutExpired([sys.executable, "-c", code], timeout)
                result = json.loads(answer)
                return subprocess.CompletedProcess(
                    [sys.executable, "-c", code],
                    result["code"],
                    out.read_text(encoding="utf-8", errors="replace"),
                    err.read_text(encoding="utf-8", errors="replace"),
                )

    def _started(self) -> Optional[subprocess.Popen[str]]:
        if self._process is None and not self._failed:
            if not hasattr(os, "fork") or sys.platform == "darwin":
                self._failed = True
                return None
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            try:
                self._process = subprocess.Popen(
                    [sys.executable, "-c", _STARTER],
                    cwd=tempfile.gettempdir(),
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    start_new_session=True,  # its group: a run past its timeout is killed too
                )
            except OSError:
                self._failed = True
        return self._process

    def _stop(self) -> None:
        if self._process is not None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except OSError:
                pass
            self._process.wait()
            self._process = None


def _read_line(stream: IO[str], timeout: float) -> tuple[bool, str]:
    """Whether the read ended within the timeout, and the line read ("" at the stream's end)."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return bool(lines), lines[0] if lines else ""


_STARTED = _Starter()


def run_fresh(
    cwd: Path, code: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -c code` in `cwd` with `env`, its output captured as text."""
    result = _STARTED.run(cwd, code, env, timeout)
    if result is not None:
        return result
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
