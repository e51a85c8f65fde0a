"""Read a source file, and replace it atomically: a temporary file beside it, then a rename."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional, Union

PathLike = Union[str, "os.PathLike[str]"]


def read_bytes(path: PathLike) -> bytes:
    """The file's bytes; only a regular file is read (a named pipe would block forever)."""
    return read_regular(path)[0]


# Opening never waits (a named pipe would block until a writer came) nor takes a terminal, and
# nothing is translated (Windows).
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_READ_FLAGS = (
    os.O_RDONLY
    | _NONBLOCK
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def read_regular(path: PathLike) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file and its stat, taken (of the file opened) before they were
    read: a sweep reads every file of the project, and `Path.stat` then `Path.read_bytes`
    took three times as long (a path looked up twice, a buffered reader, `pathlib`)."""
    fd = os.open(path, _READ_FLAGS)
    try:
        result = os.fstat(fd)
        if stat.S_ISDIR(result.st_mode):
            raise IsADirectoryError(21, "is a directory", os.fspath(path))
        if not stat.S_ISREG(result.st_mode):
            raise OSError(0, "not a regular file", os.fspath(path))
        if _NONBLOCK:
            os.set_blocking(fd, True)  # no file system may answer a read with "not yet"
        chunks = []
        want = result.st_size + 1  # one read for the whole file, if its size holds
        while True:
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            want = 1 << 16  # it grew since: read on until the end (a short read is no end)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks), result
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that it is at every moment either old or new, never partial.

    Killing the process cannot tear the file: the rename is atomic, and written data survives a
    process's death. No fsync: like black and isort, a power cut is not guarded against."""
    target = path.resolve()
    replace_file(target, data, stat.S_IMODE(target.stat().st_mode))


def replace_file(path: Path, data: bytes, mode: Optional[int] = None) -> None:
    """Write `data` to a temporary file beside `path` (given `mode`, else private to the user),
    then rename it over `path`; nothing is left behind if that fails."""
    import tempfile

    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
