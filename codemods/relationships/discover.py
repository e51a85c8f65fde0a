"""Which files a run looks at: the paths given, walked for `*.py`, less what is skipped.

Hidden directories, virtualenvs, `site-packages`, `build` and `node_modules` are never walked.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from pathlib import Path

SKIPPED_DIRS = frozenset({"site-packages", "build", "node_modules", "__pycache__"})


def _skipped_dir(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    if name.startswith(".") or name in SKIPPED_DIRS:
        return True
    return os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))


def walk_python_files(directory: str) -> Iterator[str]:
    """Every `*.py` file below `directory`, as `os.path.join`ed paths."""
    stack = [directory]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir():
                    if not _skipped_dir(entry):
                        stack.append(entry.path)
                elif entry.name.endswith(".py") and entry.is_file():
                    yield entry.path  # regular files only: reading a named pipe would block
            except OSError:
                continue


def relative_key(path: Path, root: Path) -> str:
    """The project's name for a file: its posix path relative to the root, if inside it."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return path.absolute().as_posix()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def is_excluded(relpath: str, patterns: Iterable[str]) -> bool:
    parts = relpath.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" in pattern:
            if any(fnmatchcase(p, pattern) for p in prefixes):
                return True
        elif any(fnmatchcase(part, pattern) for part in parts):
            return True
    return False


def project_files(root: Path) -> list[str]:
    base = str(root)
    return [Path(os.path.relpath(p, base)).as_posix() for p in walk_python_files(base)]
