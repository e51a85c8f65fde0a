"""Measurement 4: the rewrite, ours against `python -m libcst.tool codemod`, on copies."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from make_tree import TreeInfo
from scenarios import Baseline, Measurement, Setup, scale_label


def codemod_against_libcst(setup: Setup) -> tuple[Measurement, CodemodCopies]:
    copies = CodemodCopies.build(setup)
    libcst = setup.command(
        "libcst.tool",
        [
            setup.python,
            "-m",
            "libcst.tool",
            "codemod",
            "-x",
            setup.command_class,
            "--no-format",
            ".",
        ],
        cwd=copies.libcst,
        prepare=copies.reset(copies.libcst),
        finished_marker="Finished codemodding",  # it reports per-file tracebacks and goes on
    )
    ours = setup.command(
        "ours", setup.ours("."), cwd=copies.ours, prepare=copies.reset(copies.ours)
    )
    return (
        Measurement(
            "4",
            "the same rewrite through `python -m libcst.tool codemod`",
            scale_label(setup.tree),
            ours,
            1,
            (Baseline(libcst, 1 / 20, "≥ 20× faster (ratio ≤ 0.05)"),),
            copies.describe(),
        ),
        copies,
    )


@dataclass(frozen=True)
class CodemodCopies:
    """A pristine set of files, and the two copies each tool rewrites (fresh every run)."""

    source: Path
    ours: Path
    libcst: Path
    files: int
    size: int
    model_files: int
    package_files: int
    whole_tree: bool

    @classmethod
    def build(cls, setup: Setup) -> CodemodCopies:
        tree = setup.tree
        wanted = _codemod_subset(tree, setup.codemod_files)
        source = setup.work / "codemod-source"
        shutil.rmtree(source, ignore_errors=True)
        for path in [*wanted, "pyproject.toml"]:
            (source / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tree.root / path, source / path)
        size = sum((tree.root / path).stat().st_size for path in wanted)
        models = len(set(wanted) & set(tree.model_files))
        packages = sum(path.endswith("/__init__.py") for path in wanted)
        whole = len(wanted) == tree.files
        return cls(
            source,
            setup.work / "codemod-ours",
            setup.work / "codemod-libcst",
            len(wanted),
            size,
            models,
            packages,
            whole,
        )

    def reset(self, copy: Path) -> Callable[[], None]:
        def reset() -> None:
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(self.source, copy)

        return reset

    def describe(self) -> str:
        scope = "the whole tree" if self.whole_tree else "a subset of the tree"
        return (
            f"both run on {scope}: {self.files} files, {self.size / 1e6:.1f} MB, "
            f"all {self.model_files} model files, {self.package_files} `__init__.py`, "
            f"{self.files - self.model_files - self.package_files} other modules; "
            "each run starts from a fresh copy (so ours finds no cache)"
        )


def _codemod_subset(tree: TreeInfo, count: int) -> list[str]:
    """All model files, the packages and `db.py` they need, then ordinary files up to `count`."""
    if count <= 0 or count >= tree.files:
        return sorted(p.relative_to(tree.root).as_posix() for p in tree.root.glob("src/**/*.py"))
    needed = {"src/acme/db.py"} | set(tree.model_files)
    for path in tree.model_files:
        parts = Path(path).parent.parts
        for depth in range(2, len(parts) + 1):
            needed.add("/".join(parts[:depth]) + "/__init__.py")
    ordinary = random.Random(tree.spec.seed).sample(tree.ordinary_files, len(tree.ordinary_files))
    for path in ordinary:
        if len(needed) >= count:
            break
        needed.add(path)
        parts = Path(path).parent.parts
        needed.update("/".join(parts[:d]) + "/__init__.py" for d in range(2, len(parts) + 1))
    return sorted(needed)
