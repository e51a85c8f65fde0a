"""The project root, found the way ruff and black find it: the nearest directory, from the
current one upwards, that holds a `pyproject.toml` or a `.git`.

    cd backend/saas && fix-relationships .   ->   root: the repository, which holds pyproject.toml
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

MARKERS = ("pyproject.toml", ".git")


def find_root(start: Path) -> Optional[Path]:
    for directory in (start, *start.parents):
        if any((directory / marker).exists() for marker in MARKERS):
            return directory
    return None
