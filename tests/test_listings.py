"""The walk that reuses directory listings finds exactly the files the plain walk finds: on a
first walk, on a walk from the listings of an earlier one, and after each kind of change.

The listings here are kept in a dict (every one trusted), so that a listing the walk should
not have reused would show up as a wrong file list.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import pytest

from codemods.relationships.discover import Listing, project_files


class Kept:
    """Listings as a cache keeps them, all trusted."""

    def __init__(self) -> None:
        self.kept: dict[str, Listing] = {}
        self.made: list[str] = []  # the directories listed (again), since last asked
        self.paths: dict[str, list[str]] = {}  # the walk's paths of each directory's files

    def listing(self, relpath: str) -> Optional[Listing]:
        return self.kept.get(relpath)

    def listed(self, relpath: str, listing: Listing) -> None:
        self.kept[relpath] = listing
        self.made.append(relpath)

    def walked(self, relpath: str, paths: list[str]) -> None:
        self.paths[relpath] = paths

    def stamp(self, relpath: str) -> Optional[tuple[int, int, int]]:
        return None  # the walk stats every directory itself

    def unchanged_walk(self) -> Optional[list[str]]:
        return None  # the walk lists what changed

    def walk(self, root: Path) -> list[str]:
        """The listed walk, checked to have told each file's directory of the file, and no
        other (the cache vouches for a directory's files by these paths)."""
        self.paths = {}
        found = project_files(root, self)
        told = [(d, p) for d, paths in self.paths.items() for p in paths]
        assert sorted(p for _, p in told) == found
        assert all(p.rpartition("/")[0] == d for d, p in told)
        return found

    def made_since(self) -> list[str]:
        found, self.made = self.made, []
        return found


def _tree(root: Path) -> None:
    for name in (
        "app/__init__.py",
        "app/models.py",
        "app/sub/deep.py",
        "app/notes.txt",
        ".hidden/x.py",
        "build/y.py",
        "node_modules/z.py",
        "venv/lib/site.py",
        "top.py",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")
    (root / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (root / "linked.py").symlink_to(root / "app" / "models.py")
    # a virtualenv told by a symlinked pyvenv.cfg: its target can go without the directory changing
    (root / "venv2" / "lib").mkdir(parents=True)
    (root / "venv2" / "lib" / "m.py").write_text("")
    (root / "cfg-target").write_text("")
    (root / "venv2" / "pyvenv.cfg").symlink_to(root / "cfg-target")


def _mkdir(root: Path, relpath: str) -> None:
    (root / relpath).mkdir()
    (root / relpath / "new.py").write_text("")


CHANGES: dict[str, Callable[[Path], None]] = {
    "file-added": lambda r: (r / "app" / "added.py").write_text(""),
    "file-removed": lambda r: (r / "app" / "models.py").unlink(),
    "file-renamed": lambda r: (r / "app" / "models.py").rename(r / "app" / "model.py"),
    "directory-added": lambda r: _mkdir(r, "app/fresh"),
    "directory-becomes-a-virtualenv": lambda r: (r / "app" / "sub" / "pyvenv.cfg").write_text(""),
    "virtualenv-no-more": lambda r: (r / "venv" / "pyvenv.cfg").unlink(),
    "symlink-target-gone": lambda r: (r / "app" / "models.py").rename(r / "app" / "gone.txt"),
    "pyvenv-symlink-of-a-virtualenv-dangles": lambda r: (r / "cfg-target").unlink(),
    "file-becomes-a-directory": lambda r: (
        (r / "top.py").unlink(),
        (r / "top.py").mkdir(),
    ),
}


@pytest.mark.skipif(os.sep != "/", reason="listings are kept on posix file systems only")
@pytest.mark.parametrize("change", [pytest.param(v, id=k) for k, v in CHANGES.items()])
def test_the_listed_walk_finds_what_the_plain_walk_finds(
    tmp_path: Path, change: Callable[[Path], None]
) -> None:
    _tree(tmp_path)
    kept = Kept()
    plain = project_files(tmp_path)
    assert "linked.py" in plain and "venv/lib/site.py" not in plain  # the tree tests something
    assert kept.walk(tmp_path) == plain
    assert sorted(kept.made_since()) == ["", "app", "app/sub", "venv", "venv2"]  # all it walks
    assert kept.walk(tmp_path) == plain
    assert kept.made_since() == ["", "venv2"]  # then only those that hold a symlink
    change(tmp_path)
    after = project_files(tmp_path)
    assert after != plain, "the change changed nothing: the case tests nothing"
    assert kept.walk(tmp_path) == after
