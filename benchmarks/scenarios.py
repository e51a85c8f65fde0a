"""The measurements: which command of ours runs against which baselines, and the targets."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from make_tree import TreeInfo
from timing import Command, environment

HERE = Path(__file__).resolve().parent
PYTHON_CRASHES = ("Traceback (most recent call last):", "No module named ")


@dataclass(frozen=True)
class Setup:
    python: str
    ruff: str
    repo_root: Path
    tree: TreeInfo
    work: Path  # scratch space for copies
    tool_module: str = "codemods.fix_relationships"
    command_class: str = "codemods.fix_relationships.FixRelationshipsCommand"
    codemod_files: int = 500  # 0: the whole tree

    def command(
        self,
        label: str,
        argv: list[str],
        cwd: Path | None = None,
        prepare: Callable[[], None] | None = None,
        finished_marker: str | None = None,
    ) -> Command:
        env = environment(self.repo_root)
        markers = PYTHON_CRASHES if argv[0] == self.python and not finished_marker else ()
        return Command(
            label, tuple(argv), cwd or self.tree.root, env, prepare=prepare,
            crash_markers=markers, finished_marker=finished_marker,
        )  # fmt: skip

    def ours(self, *args: str) -> list[str]:
        return [self.python, "-m", self.tool_module, *args]


@dataclass(frozen=True)
class Baseline:
    command: Command
    limit: float | None  # ours / baseline must be at most this; None: for reference only
    target: str


@dataclass(frozen=True)
class Measurement:
    key: str
    title: str
    ours: Command
    expected_code: int  # what ours should exit with on this work
    baselines: tuple[Baseline, ...]
    note: str = ""


def whole_tree(setup: Setup) -> Measurement:
    ruff = setup.command("ruff UP", [setup.ruff, "check", "--select", "UP", "--no-cache", "."])
    floor = setup.command("regex floor", [setup.python, str(HERE / "floor_scan.py"), "."])
    return Measurement(
        "1",
        "`--check` over the whole tree",
        setup.command("ours", setup.ours("--check", ".")),
        1,
        (Baseline(ruff, 2.0, "≤ 2×"), Baseline(floor, None, "reference")),
    )


def commit_of_ordinary_files(setup: Setup) -> Measurement:
    files = random.Random(setup.tree.spec.seed).sample(setup.tree.ordinary_files, 5)
    size = sum((setup.tree.root / path).stat().st_size for path in files)
    bare = setup.command("python -c pass", [setup.python, "-c", "pass"])
    return Measurement(
        "2",
        "a commit of 5 files with nothing to do",
        setup.command("ours", setup.ours("--check", *files)),
        0,
        (Baseline(bare, 3.0, "≤ 3×"),),
        f"files: {', '.join(f'`{f}`' for f in files)} ({size / 1024:.0f} KB)",
    )


def commit_of_one_dotted_file(setup: Setup) -> Measurement:
    path = _median_sized(setup.tree.root, setup.tree.dotted_files)
    ruff = setup.command("ruff F401", [setup.ruff, "check", "--select", "F401", "--no-cache", "."])
    return Measurement(
        "3",
        "a commit of 1 file with a dotted string, in the large tree",
        setup.command("ours", setup.ours("--check", path)),
        1,
        (Baseline(ruff, 3.0, "≤ 3×"),),
        f"file: `{path}`; `--check`, so the tree is not modified",
    )


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
            "each run starts from a fresh copy"
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


def _median_sized(root: Path, paths: list[str]) -> str:
    if not paths:
        raise ValueError("the tree has no file with a dotted relationship target")
    sizes = sorted(((root / path).stat().st_size, path) for path in paths)
    return sizes[len(sizes) // 2][1]
