"""A copy of the project as it was before a run, for `--verify` to tell which failures the
rewrite caused: the same checks run on both trees, and a failure both share was already there.

Only what the walk looks at is copied (the same directories are skipped: hidden ones,
virtualenvs, `site-packages`, `build`, `node_modules`), with every file in them, not only
`*.py`, since importing a model module may read a data file beside it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .discover import SKIPPED_DIRS


def _ignored(directory: str, names: list[str]) -> set[str]:
    ignored = set()
    for name in names:
        path = os.path.join(directory, name)
        if os.path.isdir(path) and (
            name.startswith(".")
            or name in SKIPPED_DIRS
            or os.path.exists(os.path.join(path, "pyvenv.cfg"))
        ):
            ignored.add(name)
    return ignored


@contextmanager
def pristine_copy(root: Path) -> Iterator[Path]:
    """A temporary copy of the project tree, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="fix-relationships-pristine-") as scratch:
        copy = Path(scratch) / root.name
        shutil.copytree(root, copy, ignore=_ignored, symlinks=True)
        yield copy
