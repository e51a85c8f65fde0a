"""A copy of the project as it was before a run, for `--verify` to tell which failures the
rewrite caused: the failing checks run again on it, and a failure both trees share was already
there. It is made only when a check fails after a rewrite: the tree as it is now, with the files
the run wrote put back as they were.

Only what the walk looks at is copied (the same directories are skipped: hidden ones,
virtualenvs, `site-packages`, `build`, `node_modules`), with every file in them, not only
`*.py`, since importing a model module may read a data file beside it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
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
def pristine_copy(root: Path, originals: Mapping[str, bytes]) -> Iterator[Path]:
    """A temporary copy of the project tree with `originals` (project key -> bytes) written
    back, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="fix-relationships-pristine-") as scratch:
        copy = Path(scratch) / root.name
        shutil.copytree(root, copy, ignore=_ignored, symlinks=True)
        for key, data in originals.items():
            (copy / key).write_bytes(data)
        yield copy
