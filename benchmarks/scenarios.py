"""The measurements: which command of ours runs against which baselines, and the targets."""

from __future__ import annotations

import itertools
import random
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from equivalent_files import equivalent_files, findings_of, shape_of
from make_tree import TreeInfo
from timing import Command, environment

HERE = Path(__file__).resolve().parent
CACHE_DIR = ".fix_relationships_cache"  # the tool's default, in the project root
WHOLE_TREE_LIMIT, WHOLE_TREE_TARGET = 1.5, "≤ 1.5×"
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
    expected_code: int | None = None  # for a baseline that is ours too


@dataclass(frozen=True)
class Measurement:
    key: str
    title: str
    scale: str  # the tree it runs on, e.g. "5k"
    ours: Command
    expected_code: int  # what ours should exit with on this work
    baselines: tuple[Baseline, ...]
    note: str = ""
    warm_up: tuple[Command, ...] = ()  # run once, untimed, before the measurement's own warm-up
    trees: tuple[Path, ...] = ()  # must not change while it is measured (a warm cache relies on it)


def scale_label(tree: TreeInfo) -> str:
    """5000 modules -> "5k", 600 -> "600"."""
    return f"{tree.files / 1000:g}k" if tree.files >= 1000 else str(tree.files)


def cache_dir(tree: TreeInfo) -> Path:
    return tree.root / CACHE_DIR


def whole_tree_cold(setup: Setup) -> Measurement:
    """Nothing cached: ours with `--no-cache` and no cache directory, ruff with `--no-cache`."""
    tree = setup.tree
    ruff = setup.command("ruff UP", [setup.ruff, "check", "--select", "UP", "--no-cache", "."])
    floor = setup.command("regex floor", [setup.python, str(HERE / "floor_scan.py"), "."])
    ours = setup.command(
        "ours", setup.ours("--no-cache", "--check", "."), prepare=_remove_cache(tree)
    )
    return Measurement(
        "1",
        "`--check` over the whole tree, cold",
        scale_label(tree),
        ours,
        1,
        (Baseline(ruff, WHOLE_TREE_LIMIT, WHOLE_TREE_TARGET), Baseline(floor, None, "reference")),
        f"ours runs with `--no-cache`, and `{CACHE_DIR}` is removed before every run of ours",
    )


def whole_tree_warm(setup: Setup) -> Measurement:
    """Both caches warm: each tool's warm-up run filled it, and nothing changes in between."""
    ruff = setup.command("ruff UP, cached", [setup.ruff, "check", "--select", "UP", "."])
    ours = setup.command("ours", setup.ours("--check", "."))
    return Measurement(
        "1",
        "`--check` over the whole tree, warm cache",
        scale_label(setup.tree),
        ours,
        1,
        (Baseline(ruff, WHOLE_TREE_LIMIT, WHOLE_TREE_TARGET),),
        f"ours with `{CACHE_DIR}` and ruff with `.ruff_cache` as the warm-up runs left them",
        warm_up=(ours,),
        trees=(setup.tree.root,),
    )


def whole_tree_after_an_edit(setup: Setup, model: bool = False) -> Measurement:
    """A warm cache, and one file edited before every run of ours (a trailing comment line no
    run saw before). An ordinary file's edit changes nothing the report needs of it (its scan),
    so ours replays the report; a model module's edit changes a file the report read whole, so
    ours decides the whole project again from the per-file facts the cache holds for every
    other file. ruff's cache is warm as well, with the same file edited before each of its
    runs."""
    files = setup.tree.dotted_files if model else setup.tree.ordinary_files
    path = setup.tree.root / sorted(files)[0]
    ruff = setup.command(
        "ruff UP, cached", [setup.ruff, "check", "--select", "UP", "."], prepare=_edit(path)
    )
    ours = setup.command("ours", setup.ours("--check", "."), prepare=_edit(path))
    kind = "model module with a dotted target" if model else "ordinary file"
    effect = "ours decides the project again" if model else "ours replays its report"
    return Measurement(
        "1",
        f"`--check` over the whole tree, warm cache, one {kind} edited",
        scale_label(setup.tree),
        ours,
        1,
        (Baseline(ruff, WHOLE_TREE_LIMIT, WHOLE_TREE_TARGET),),
        f"before every run, `{path.relative_to(setup.tree.root)}` gets a new trailing comment "
        f"line ({effect})",
        warm_up=(setup.command("ours, filling the cache", setup.ours("--check", ".")),),
    )


def _edit(path: Path) -> Callable[[], None]:
    """Each call leaves the file with a trailing comment no earlier call wrote: its content is
    new every time (a content seen before could be replayed)."""
    marker = b"# edited for the benchmark, run "
    runs = itertools.count(1)

    def edit() -> None:
        data = path.read_bytes()
        start = data.rfind(marker)
        if start != -1:
            data = data[:start]
        path.write_bytes(data + marker + str(next(runs)).encode() + b"\n")

    return edit


def commit_of_ordinary_files(setup: Setup) -> Measurement:
    """As a user runs it: the cache already holds the whole tree (a prepared full run)."""
    files = random.Random(setup.tree.spec.seed).sample(setup.tree.ordinary_files, 5)
    size = sum((setup.tree.root / path).stat().st_size for path in files)
    bare = setup.command("python -c pass", [setup.python, "-c", "pass"])
    return Measurement(
        "2",
        "a commit of 5 files with nothing to do",
        scale_label(setup.tree),
        setup.command("ours", setup.ours("--check", *files)),
        0,
        (Baseline(bare, 3.0, "≤ 3×"),),
        f"files: {', '.join(f'`{f}`' for f in files)} ({size / 1024:.0f} KB); warm cache",
        warm_up=(_fill_cache(setup),),
        trees=(setup.tree.root,),
    )


def commit_of_one_dotted_file(setup: Setup) -> Measurement:
    path = _median_sized(setup.tree.root, setup.tree.dotted_files)
    ruff = setup.command("ruff F401", [setup.ruff, "check", "--select", "F401", "--no-cache", "."])
    return Measurement(
        "3",
        "a commit of 1 file with a dotted string",
        scale_label(setup.tree),
        setup.command("ours", setup.ours("--check", path)),
        1,
        (Baseline(ruff, 3.0, "≤ 3×"),),
        f"file: `{path}`; `--check`, so the tree is not modified; warm cache",
        warm_up=(_fill_cache(setup),),
        trees=(setup.tree.root,),
    )


def commit_across_scales(large: Setup, small: Setup) -> Measurement:
    """The same-shaped 1-file commit in a large tree and in a small one, both caches warm.

    A whole-tree `--check` of each tree fills its cache first, and its reports tell which
    files are alike (`equivalent_files`).
    """
    print("[3] filling both caches with a whole-tree `--check` ...", flush=True)
    large_findings, small_findings = (findings_of(fill_cache(s)) for s in (large, small))
    small_path, large_path = equivalent_files(
        small.tree, small_findings, large.tree, large_findings
    )
    shapes = (
        shape_of(large.tree.root, large_path, large_findings),
        shape_of(small.tree.root, small_path, small_findings),
    )
    big, little = scale_label(large.tree), scale_label(small.tree)
    reference = small.command(f"ours, {little} tree", small.ours("--check", small_path))
    ruff = large.command("ruff F401", [large.ruff, "check", "--select", "F401", "--no-cache", "."])
    return Measurement(
        "3",
        f"a commit of 1 file with a dotted string, against the same in a {little}-module tree",
        big,
        large.command("ours", large.ours("--check", large_path)),
        1,
        (Baseline(reference, 2.0, "≤ 2×", expected_code=1), Baseline(ruff, None, "reference")),
        f"files: `{large_path}` in the {big} tree ({shapes[0]}) and `{small_path}` in the "
        f"{little} tree ({shapes[1]}); `--check`, so nothing is modified; both caches warm",
        trees=(large.tree.root, small.tree.root),
    )


def fill_cache(setup: Setup) -> str:
    """Run ours over the whole tree, as a user's earlier run would have; return its output."""
    command = _fill_cache(setup)
    result = subprocess.run(
        command.argv, cwd=command.cwd, env=dict(command.env), capture_output=True, text=True,
        errors="replace",
    )  # fmt: skip
    return result.stdout + result.stderr


def _fill_cache(setup: Setup) -> Command:
    return setup.command("ours, filling the cache", setup.ours("--check", "."))


def _remove_cache(tree: TreeInfo) -> Callable[[], None]:
    def remove() -> None:
        shutil.rmtree(cache_dir(tree), ignore_errors=True)

    return remove


def _median_sized(root: Path, paths: list[str]) -> str:
    if not paths:
        raise ValueError("the tree has no file with a dotted relationship target")
    sizes = sorted(((root / path).stat().st_size, path) for path in paths)
    return sizes[len(sizes) // 2][1]
