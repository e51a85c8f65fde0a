"""Read a source file, and replace it atomically: a temporary file beside it, then a rename."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional


def read_bytes(path: Path) -> bytes:
    """The file's bytes; only a regular file is read (a named pipe would block forever)."""
    return read_regular(path)[0]


def read_regular(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file and its stat, taken before they were read."""
    result = path.stat()
    if stat.S_ISDIR(result.st_mode):
        raise IsADirectoryError(21, "is a directory", str(path))
    if not stat.S_ISREG(result.st_mode):
        raise OSError(0, "not a regular file", str(path))
    return path.read_bytes(), result


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
