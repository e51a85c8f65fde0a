"""The persistent cache (issue 13), through the command line, on real projects on disk.

The promise: a run with a warm cache prints the same stdout and stderr, writes the same bytes and
exits with the same code as a cold run (`--no-cache`), in every mode and output format, whatever
happened between the runs (edits within one timestamp tick, files deleted, moved, added, the
configuration changed, the cache corrupted, runs at the same time, a cache that cannot be written).

    fix-relationships --check .             # fills <root>/.fix_relationships_cache
    fix-relationships --check .             # warm: byte for byte the output of the line below
    fix-relationships --no-cache --check .

Every comparison is made on the same path (a write-mode tree is laid out again for the warm run),
so that nothing but the cache differs between the runs compared.
"""

from __future__ import annotations

import difflib
import os
import random
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import pytest
from project_helpers import (
    BASE_PROJECT,
    ISOLATED_GIT,
    REPO,
    SEED,
    run_cli,
    start_cli,
    write_project,
)
from test_registration import TWO_WAY

from codemods.relationships.cache import RACY_NS

CACHE = ".fix_relationships_cache"
SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"
ENV_VAR = "FIX_RELATIONSHIPS_CACHE_DIR"
# What the cache directory holds besides the cache itself.
HOUSEKEEPING = ("CACHEDIR.TAG", ".gitignore")


@pytest.fixture(autouse=True)
def _no_cache_dir_from_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


# --- what a run did, and comparing two runs ----------------------------------------------------


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    files: Mapping[str, bytes]  # every file of the project tree after the run, but the cache


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file of the project, but the default cache directory's."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and root / CACHE not in path.parents
    }


def run(
    root: Path,
    *args: str,
    cwd: Optional[Path] = None,
    env: Optional[Mapping[str, str]] = None,
) -> Run:
    result = run_cli(cwd or root, *args, env=env)
    return Run(result.returncode, result.stdout, result.stderr, tree_bytes(root))


def differences(warm: Run, cold: Run) -> list[str]:
    found = []
    if warm.returncode != cold.returncode:
        found.append(f"exit code: {warm.returncode} (warm) != {cold.returncode} (cold)")
    for stream in ("stdout", "stderr"):
        w, c = getattr(warm, stream), getattr(cold, stream)
        if w != c:
            diff = difflib.unified_diff(
                c.splitlines(keepends=True), w.splitlines(keepends=True), "cold", "warm"
            )
            found.append(f"{stream}:\n" + "".join(diff))
    for name in sorted(set(warm.files) | set(cold.files)):
        if name not in warm.files or name not in cold.files:
            found.append(f"{name}: only in the {'warm' if name in warm.files else 'cold'} tree")
        elif warm.files[name] != cold.files[name]:
            diff = difflib.unified_diff(
                cold.files[name].decode(errors="replace").splitlines(keepends=True),
                warm.files[name].decode(errors="replace").splitlines(keepends=True),
                f"{name} (cold)",
                f"{name} (warm)",
            )
            found.append("".join(diff))
    return found


def assert_same(warm: Run, cold: Run, what: str) -> None:
    found = differences(warm, cold)
    if found:
        raise AssertionError(
            f"{what}: the run with the cache differs from the cold run\n" + "\n".join(found)
        )


def assert_no_traceback(result: Run) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


def cache_files(directory: Path) -> dict[str, bytes]:
    """The cache itself: every file under the cache directory but its tag and .gitignore."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.relative_to(directory).as_posix() not in HOUSEKEEPING
    }


def assert_cache_filled(directory: Path) -> dict[str, bytes]:
    assert directory.is_dir(), f"no cache directory {directory} after a run"
    files = cache_files(directory)
    assert files, f"the cache directory {directory} holds no cache file: {os.listdir(directory)}"
    assert all(files.values()), f"an empty cache file in {directory}: {sorted(files)}"
    return files


def restore(root: Path, files: Mapping[str, bytes]) -> None:
    """Put back the project files as they were (a run of the tool adds none)."""
    for name, data in files.items():
        (root / name).write_bytes(data)


def relaid(root: Path, build: Callable[[Path], None]) -> None:
    """The same project again, at the same path, with no cache."""
    shutil.rmtree(root)
    root.mkdir()
    build(root)


# --- the projects --------------------------------------------------------------------------------


def _layout(files: Mapping[str, str]) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        write_project(root, {"pyproject.toml": "", **files})

    return build


def _demo_backend(root: Path) -> None:
    """The demo backend as it was committed broken: its pre-fix model file put back."""
    shutil.copytree(
        REPO / "backend",
        root,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", CACHE),
    )
    shutil.copyfile(root / "tests/fixtures/saas_models_broken.py", root / "saas/models.py")
    (root / "pyproject.toml").write_text('[tool.fix-relationships]\nexclude = ["tests/fixtures"]\n')


SEED_PROJECT = {**BASE_PROJECT, "saas/models.py": SEED}
LEGACY_SUBSCRIPTION = """\
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base


class Subscription(Base):
    __tablename__ = "legacy_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
"""

# (how to lay it out, the cold --check exit code, a code the cold --check must print)
PROJECTS: dict[str, tuple[Callable[[Path], None], int, str]] = {
    "seed": (_layout(SEED_PROJECT), 1, "FR101"),
    "demo-backend": (_demo_backend, 1, "FR101"),
    "two-way-across-a-cycle": (_layout(TWO_WAY), 1, "FR103"),
    "doctor-finding": (
        _layout(
            {
                **BASE_PROJECT,
                "saas/models.py": SEED.replace(
                    'backref="usage_events"', 'back_populates="usage_events"'
                ),
            }
        ),
        1,
        "FR501",
    ),
    "unparsable-file": (
        _layout(
            {
                **SEED_PROJECT,
                "saas/broken.py": "def broken(:\n    relationship('ecommerce.models.Subscription')\n",
            }
        ),
        2,
        "FR901",
    ),
    "bare-name-of-two-classes": (
        _layout(
            {
                **BASE_PROJECT,
                "legacy/__init__.py": "",
                "legacy/models.py": LEGACY_SUBSCRIPTION,
                "saas/models.py": SEED.replace('"ecommerce.models.Subscription"', '"Subscription"'),
            }
        ),
        1,
        "FR203",
    ),
}

MODES = {"fix": (), "check": ("--check",), "diff": ("--diff",)}
FORMATS = {"full": (), "json": ("--output-format", "json")}
# Representative cases in the default run; the whole table with --slow.
FAST = {
    ("seed", "fix", "full"),
    ("two-way-across-a-cycle", "diff", "full"),
}

WARM_EQUALS_COLD = [
    pytest.param(
        project,
        mode,
        fmt,
        id=f"{project}-{mode}-{fmt}",
        marks=() if (project, mode, fmt) in FAST else pytest.mark.slow,
    )
    for project in PROJECTS
    for mode in MODES
    for fmt in FORMATS
]


@pytest.mark.parametrize(("project", "mode", "fmt"), WARM_EQUALS_COLD)
def test_warm_run_equals_cold_run(project_dir: Path, project: str, mode: str, fmt: str) -> None:
    build, code, finding = PROJECTS[project]
    args = (*MODES[mode], *FORMATS[fmt], ".")
    build(project_dir)
    cold = run(project_dir, "--no-cache", *args)
    assert cold.returncode == code and finding in cold.stdout + cold.stderr, cold.stderr
    assert not (project_dir / CACHE).exists(), "--no-cache made a cache directory"
    cold_again = run(project_dir, "--no-cache", *args)  # after a rewrite: nothing left to do

    if mode == "fix":  # fill with --check, so that the warm run is the one that writes
        relaid(project_dir, build)
        fill = run(project_dir, "--check", *FORMATS[fmt], ".")
    else:
        fill = run(project_dir, *args)
        assert_same(fill, cold, "the run that fills the cache")
    assert_no_traceback(fill)
    assert_cache_filled(project_dir / CACHE)

    assert_same(run(project_dir, *args), cold, "the second run")
    assert_same(run(project_dir, *args), cold_again, "the third run")


# --- edits between the run that fills the cache and the next ------------------------------------


def _keep_mtime(path: Path, new: str) -> None:
    """Write `new` over `path`, as long as it was, and give it back its exact timestamps."""
    st = path.stat()
    assert len(new.encode()) == st.st_size, "the edit must keep the size"
    path.write_text(new, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _replace(relpath: str, old: str, new: str, same_stat: bool = False) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / relpath
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relpath}"
        if same_stat:
            _keep_mtime(path, text.replace(old, new))
        else:
            path.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def _delete(relpath: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        (root / relpath).unlink()

    return edit


def _move(old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        (root / new).parent.mkdir(parents=True, exist_ok=True)
        (root / new).parent.joinpath("__init__.py").touch()
        (root / old).rename(root / new)

    return edit


def _swap(first: str, second: str) -> Callable[[Path], None]:
    """Two files of one size trade places, each path keeping its timestamps."""

    def edit(root: Path) -> None:
        a, b = root / first, root / second
        sa, sb = a.stat(), b.stat()
        assert sa.st_size == sb.st_size
        a.rename(root / "swap.tmp")
        b.rename(a)
        (root / "swap.tmp").rename(b)
        os.utime(a, ns=(sa.st_atime_ns, sa.st_mtime_ns))
        os.utime(b, ns=(sb.st_atime_ns, sb.st_mtime_ns))

    return edit


def _add(relpath: str, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        write_project(root, {relpath: text})

    return edit


def _config(table: str, same_stat: bool = False) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        text = f"[tool.fix-relationships]\n{table}\n"
        if same_stat:
            _keep_mtime(root / "pyproject.toml", text)
        else:
            (root / "pyproject.toml").write_text(text)

    return edit


TYPO = SEED.replace("models.Subscription", "models.Subscriptoin")  # same length, now FR201
SHORT_TARGET = SEED.replace('"ecommerce.models.Subscription"', '"models.Subscription"')
EVENT_B = (
    SEED.replace("UsageEvent", "UsageEvenx")
    .replace("usage_events", "usage_evenxs")
    .replace("models.Subscription", "models.Subscriptoin")
)
# Both sides of a pair: renaming one side's attribute breaks the other's back_populates.
PAIR = {
    **BASE_PROJECT,
    "ecommerce/models.py": BASE_PROJECT["ecommerce/models.py"]
    + '    usage_events = relationship("UsageEvent", back_populates="subscription")\n',
    "saas/models.py": SEED.replace('backref="usage_events"', 'back_populates="usage_events"'),
}

# (the project, the edit, what the run after the edit must print; the cold run is the judge)
EDITS = [
    pytest.param(
        SEED_PROJECT,
        _replace("saas/models.py", "Subscription", "Subscriptoin", same_stat=True),
        "FR201",
        id="same-size-same-mtime-in-the-referring-file",
    ),
    pytest.param(
        SEED_PROJECT,
        _replace("ecommerce/models.py", "class Subscription", "class Subscriptiom", True),
        "FR201",
        id="same-size-same-mtime-in-the-defining-file",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        {**SEED_PROJECT, "pyproject.toml": '[tool.fix-relationships]\nselect = ["FR1"]\n'},
        _config('select = ["FR2"]', same_stat=True),
        "0 relationship target(s)",
        id="same-size-same-mtime-in-the-configuration",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        SEED_PROJECT,
        _delete("ecommerce/models.py"),
        "FR303",  # the path now points outside the project
        id="model-module-deleted",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        SEED_PROJECT,
        _move("ecommerce/models.py", "ecommerce/model.py"),
        "FR204",
        id="model-module-moved-the-dotted-path-goes-stale",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        {**BASE_PROJECT, "saas/models.py": SHORT_TARGET},
        _move("ecommerce/models.py", "shop/models.py"),
        "from shop.models import Subscription",
        id="model-module-moved-the-dotted-path-follows-it",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        {**SEED_PROJECT, "saas/events.py": EVENT_B},
        _swap("saas/models.py", "saas/events.py"),
        "saas/models.py:11:33: FR201",
        id="two-files-of-one-size-swap-places",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        SEED_PROJECT,
        _add("saas/plans.py", TYPO.replace("UsageEvent", "PlanEvent").replace("usage_", "plan_")),
        "saas/plans.py:11:33: FR201",
        id="new-model-file",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        SEED_PROJECT,
        _add("legacy/models.py", LEGACY_SUBSCRIPTION),
        "FR301",
        id="new-file-makes-the-name-ambiguous",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        SEED_PROJECT,
        _add("ecommerce/legacy/models.py", LEGACY_SUBSCRIPTION),
        "FR301",
        id="new-package-inside-a-listed-one-makes-the-name-ambiguous",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        {**SEED_PROJECT, "legacy/models.py": LEGACY_SUBSCRIPTION.replace("Subscription", "Plan")},
        _replace("legacy/models.py", "class Plan(", "class Subscription("),
        "FR301",
        id="a-file-of-an-unchanged-directory-gains-the-name",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        {**SEED_PROJECT, "legacy/models.py": LEGACY_SUBSCRIPTION},
        _add("legacy/pyvenv.cfg", "home = /usr/bin\n"),
        "FR101",  # the virtualenv's files leave the project: the name is no longer ambiguous
        id="a-listed-directory-becomes-a-virtualenv",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        SEED_PROJECT,
        _replace("ecommerce/models.py", "class Subscription(", "class Membership("),
        "FR201",
        id="target-class-renamed",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        PAIR,
        _replace("ecommerce/models.py", "usage_events = ", "usage_evts = "),
        "FR501",
        id="back-populates-attribute-renamed",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        SEED_PROJECT,
        _replace("saas/models.py", "class UsageEvent(Base):", "class UsageEvent(Base:"),
        "FR901",
        id="file-becomes-unparsable",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        {**SEED_PROJECT, "saas/models.py": SEED.replace("(Base):", "(Base:")},
        _replace("saas/models.py", "(Base:", "(Base):"),
        "FR101",
        id="unparsable-file-repaired",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        SEED_PROJECT,
        _add("saas/__init__.py", "from ecommerce.models import Subscription  # noqa: F401\n"),
        '"ecommerce.models.Subscription" -> "Subscription"\n',  # no import added any more
        id="package-init-gains-the-registering-import",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        SEED_PROJECT,
        _config('import-placement = "type-checking"'),
        "if TYPE_CHECKING:",
        id="config-import-placement",
    ),
    pytest.param(
        {**SEED_PROJECT, "saas/plans.py": TYPO.replace("UsageEvent", "PlanEvent")},
        _config('ignore = ["FR101"]'),
        "FR201",
        id="config-ignore",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        {**SEED_PROJECT, "saas/plans.py": TYPO.replace("UsageEvent", "PlanEvent")},
        _config('select = ["FR2"]'),
        "FR201",
        id="config-select",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        SEED_PROJECT,
        _config('exclude = ["saas/models.py"]'),
        "0 relationship target(s)",
        id="config-exclude",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        SEED_PROJECT,
        _config("assume-registered = true"),
        '"ecommerce.models.Subscription" -> "Subscription"\n',
        id="config-assume-registered",
        marks=pytest.mark.slow,
    ),
]


def settle(root: Path) -> None:
    """Wait until nothing under `root` changed within the racy second, so that the next run's
    entries are trusted (a stat cannot be set back in ctime: only time ages a file)."""
    newest = max(p.lstat().st_ctime_ns for p in [root, *root.rglob("*")])
    wait = (newest + RACY_NS - time.time_ns()) / 1e9 + 0.05
    if wait > 0:
        time.sleep(wait)


def trusted_entries(directory: Path) -> tuple[int, int]:
    """How many files and directories the cache vouches for by their stat alone."""
    (database,) = directory.glob("facts-*.sqlite3")
    with sqlite3.connect(database) as db:
        files = db.execute("SELECT count(*) FROM files WHERE trusted = 1").fetchone()[0]
        dirs = db.execute("SELECT count(*) FROM dirs WHERE trusted = 1").fetchone()[0]
    db.close()
    return files, dirs


COMMITTED = "saas/models.py"  # the file a commit passes, in the edit cases


def _check_edit(root: Path, edit: Callable[[Path], None], expected: str) -> None:
    """Fill the cache from a settled tree (every entry trusted), edit, then compare warm runs
    with cold ones: a sweep (which reads every file's entry) and a commit of one file (which
    takes the other files' facts from the cache's rows and their directories' listings)."""
    settle(root)
    fill = run(root, "--check", "-v", ".")
    assert_no_traceback(fill)
    assert_cache_filled(root / CACHE)
    files, dirs = trusted_entries(root / CACHE)
    assert files == len(list(root.rglob("*.py"))) and dirs > 1, "the fill trusted not every entry"
    edit(root)
    # the commit first: a sweep would store the edited files' new entries before it
    runs = [("--check", "-v", COMMITTED)] if (root / COMMITTED).is_file() else []
    runs += [("--check", "-v", "."), ("--diff", ".")]
    warm = [run(root, *args) for args in runs]
    cold = [run(root, "--no-cache", *args) for args in runs]
    check, diff = cold[-2:]
    assert expected in check.stdout + check.stderr + diff.stdout, check
    assert differences(fill, check), "the edit changed nothing: the case tests nothing"
    for args, warm_run, cold_run in zip(runs, warm, cold):
        assert_same(warm_run, cold_run, f"{' '.join(args)} after the edit")


@pytest.mark.parametrize(("files", "edit", "expected"), EDITS)
def test_edit_between_runs_is_seen(
    project_dir: Path, files: Mapping[str, str], edit: Callable[[Path], None], expected: str
) -> None:
    _layout(files)(project_dir)
    _check_edit(project_dir, edit, expected)


@pytest.mark.slow  # it sleeps past the racy second
def test_same_size_edit_of_an_old_file_restoring_its_mtime_is_seen(project_dir: Path) -> None:
    """The entry was stored more than a second after the write, so only ctime and inode tell."""
    _layout(SEED_PROJECT)(project_dir)
    models = project_dir / "saas/models.py"
    old = time.time_ns() - 10_000_000_000
    os.utime(models, ns=(old, old))
    time.sleep(1.1)
    edit = _replace("saas/models.py", "Subscription", "Subscriptoin", same_stat=True)
    _check_edit(project_dir, edit, "FR201")
    assert models.stat().st_mtime_ns == old


# --- a corrupted cache ---------------------------------------------------------------------------


def _directory_in_its_place(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "x").write_text("x")


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "truncated-to-half": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "random-bytes": lambda p: p.write_bytes(random.Random(13).randbytes(p.stat().st_size)),
    "empty": lambda p: p.write_bytes(b""),
    "json-object": lambda p: p.write_text("{}"),
    "json-list": lambda p: p.write_text("[1, 2, 3]"),
    "garbage-appended": lambda p: p.write_bytes(p.read_bytes() + b"\x00garbage\xff" * 8),
}
FAST_CORRUPTIONS = {"truncated-to-half"}


@pytest.mark.parametrize(
    "corruption",
    [
        pytest.param(name, id=name, marks=() if name in FAST_CORRUPTIONS else pytest.mark.slow)
        for name in CORRUPTIONS
    ],
)
def test_corrupted_cache_is_ignored_and_replaced(project_dir: Path, corruption: str) -> None:
    _layout({**SEED_PROJECT, "saas/plans.py": TYPO.replace("UsageEvent", "PlanEvent")})(project_dir)
    args = ("--check", "-v", ".")
    cold = run(project_dir, "--no-cache", *args)
    run(project_dir, *args)
    filled = assert_cache_filled(project_dir / CACHE)
    for name in filled:
        CORRUPTIONS[corruption](project_dir / CACHE / name)
    corrupted = cache_files(project_dir / CACHE)

    after = run(project_dir, *args)
    assert_no_traceback(after)
    assert_same(after, cold, f"the run on a cache {corruption}")
    assert_same(run(project_dir, *args), cold, "the run after that")
    repaired = assert_cache_filled(project_dir / CACHE)
    left = [name for name in filled if name in corrupted and repaired.get(name) == corrupted[name]]
    assert not left, f"corrupted cache files left as they were: {left}"


def test_cache_of_another_copy_is_not_trusted(tmp_path: Path) -> None:
    """A cache copied along with the project: same paths, same sizes and mtimes, other files."""
    first, second = tmp_path / "first", tmp_path / "second"
    _layout(SEED_PROJECT)(first)
    _layout({**SEED_PROJECT, "saas/models.py": TYPO})(second)
    for path in [p for p in first.rglob("*") if p.is_file()]:  # same sizes, now same mtimes
        st = path.stat()
        os.utime(second / path.relative_to(first), ns=(st.st_atime_ns, st.st_mtime_ns))
    run(first, "--check", ".")
    assert_cache_filled(first / CACHE)
    shutil.copytree(first / CACHE, second / CACHE)
    warm = run(second, "--check", ".")
    cold = run(second, "--no-cache", "--check", ".")
    assert "FR201" in cold.stdout
    assert_same(warm, cold, "the run on the other copy's cache")


def test_another_build_of_the_tool_starts_fresh(project_dir: Path, tmp_path: Path) -> None:
    """An upgrade changes the tool's files: a cache made by the old ones is not read."""
    tool = tmp_path / "tool"
    shutil.copytree(
        REPO / "codemods", tool / "codemods", ignore=shutil.ignore_patterns("__pycache__")
    )
    env = {"PYTHONPATH": str(tool)}
    _layout(SEED_PROJECT)(project_dir)
    args = ("--check", "-v", ".")
    cold = run(project_dir, "--no-cache", *args, env=env)
    assert_same(run(project_dir, *args, env=env), cold, "the run that fills the cache")
    before = set(cache_files(project_dir / CACHE))
    upgraded = tool / "codemods" / "relationships" / "find.py"
    upgraded.write_text(upgraded.read_text() + "\n# the next release\n")
    after = run(project_dir, *args, env=env)
    assert_same(after, cold, "the run of the new build")
    made = set(cache_files(project_dir / CACHE)) - before
    assert made, "the new build reused the old build's cache files"


# --- runs at the same time -----------------------------------------------------------------------


def _at_once(root: Path, runs: Sequence[Sequence[str]]) -> list[Run]:
    processes = [start_cli(root, *args) for args in runs]
    outputs = [process.communicate(timeout=120) for process in processes]
    return [
        Run(process.returncode, out, err, tree_bytes(root))
        for process, (out, err) in zip(processes, outputs)
    ]


@pytest.mark.parametrize(
    "count",
    [pytest.param(2, id="two"), pytest.param(4, id="four", marks=pytest.mark.slow)],
)
def test_runs_at_the_same_time_each_leave_a_whole_cache(project_dir: Path, count: int) -> None:
    _demo_backend(project_dir)
    args = ("--check", "-v", ".")
    cold = run(project_dir, "--no-cache", *args)
    run(project_dir, *args)
    names_of_one_run = set(assert_cache_filled(project_dir / CACHE))
    shutil.rmtree(project_dir / CACHE)

    for round_ in ("empty cache", "warm cache"):
        for index, result in enumerate(_at_once(project_dir, [args] * count)):
            assert_same(result, cold, f"run {index + 1} of {count} at once, {round_}")
        assert set(assert_cache_filled(project_dir / CACHE)) == names_of_one_run, (
            "runs at once left other files (temporary ones?) in the cache directory"
        )
    assert_same(run(project_dir, *args), cold, "the run after them")
    leftovers = [p.name for p in (project_dir / CACHE).rglob("*") if "tmp" in p.name.lower()]
    assert not leftovers, f"temporary files left in the cache: {leftovers}"


# --- where the cache goes, and what it leaves in the project ------------------------------------


def test_default_cache_is_at_the_project_root_with_its_tag_and_gitignore(
    project_dir: Path,
) -> None:
    _layout(SEED_PROJECT)(project_dir)
    subdir = project_dir / "saas"
    cold = run(project_dir, "--no-cache", "--check", ".", cwd=subdir)
    assert_same(run(project_dir, "--check", ".", cwd=subdir), cold, "the run from saas/")
    assert not (subdir / CACHE).exists(), "the cache went to the current directory"
    assert_cache_filled(project_dir / CACHE)
    tag = (project_dir / CACHE / "CACHEDIR.TAG").read_text()
    assert tag.startswith(SIGNATURE + "\n"), tag
    assert "*" in (project_dir / CACHE / ".gitignore").read_text().splitlines()
    assert_same(run(project_dir, "--check", ".", cwd=subdir), cold, "the warm run from saas/")


def _git(cwd: Path, *args: str) -> str:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, **ISOLATED_GIT}
    result = subprocess.run(
        ("git", *args), cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_git_sees_nothing_new_after_a_run(project_dir: Path) -> None:
    """A repository without pyproject.toml: its .git marks the root, where the cache goes."""
    write_project(project_dir, SEED_PROJECT)
    _git(project_dir, "-c", "init.defaultBranch=main", "init", "--quiet", "--template=")
    _git(project_dir, "add", "--all")
    _git(project_dir, "commit", "--quiet", "--no-verify", "--message", "project")
    assert run(project_dir, "--check", ".", cwd=project_dir / "saas").returncode == 1
    assert_cache_filled(project_dir / CACHE)
    assert _git(project_dir, "status", "--porcelain", "--untracked-files=all") == ""


@pytest.mark.parametrize(
    "mode",
    [pytest.param(m, id=m, marks=() if m == "check" else pytest.mark.slow) for m in MODES],
)
def test_no_cache_reads_none_and_writes_none(project_dir: Path, mode: str) -> None:
    _layout(SEED_PROJECT)(project_dir)
    result = run(project_dir, *MODES[mode], "--no-cache", ".")
    assert result.returncode == 1 and "FR101" in result.stdout + result.stderr, result.stderr
    assert not (project_dir / CACHE).exists()


@pytest.mark.slow
def test_no_cache_leaves_an_existing_cache_as_it_is(project_dir: Path) -> None:
    _layout(SEED_PROJECT)(project_dir)
    run(project_dir, "--check", ".")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project_dir / CACHE).rglob("*")}
    (project_dir / "saas/models.py").write_text(TYPO)
    assert "FR201" in run(project_dir, "--no-cache", "--check", ".").stdout
    assert {
        p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project_dir / CACHE).rglob("*")
    } == before


# Where the cache goes: (the flag, `cache-dir` in the configuration, the variable) -> which wins.
# Run from saas/: the flag is relative to it, the configuration to the project root.
CHOSEN = [
    pytest.param("flag", "config", "env", "flag", id="flag-over-config-and-env"),
    pytest.param("flag", None, "env", "flag", id="flag-over-env", marks=pytest.mark.slow),
    pytest.param(None, "config", "env", "config", id="config-over-env", marks=pytest.mark.slow),
    pytest.param(None, None, "env", "env", id="env"),
    pytest.param(None, "config", None, "config", id="config", marks=pytest.mark.slow),
    pytest.param("flag", None, None, "flag", id="flag", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("flag", "config", "env", "winner"), CHOSEN)
def test_cache_dir_from_flag_config_or_environment(
    tmp_path: Path,
    project_dir: Path,
    flag: Optional[str],
    config: Optional[str],
    env: Optional[str],
    winner: str,
) -> None:
    places = {
        "flag": tmp_path / "from-flag",
        "config": tmp_path / "from-config",
        "env": tmp_path / "from-env",
    }
    table = '[tool.fix-relationships]\ncache-dir = "../from-config"\n' if config else ""
    _layout({**SEED_PROJECT, "pyproject.toml": table})(project_dir)
    subdir = project_dir / "saas"
    args = ("--check", ".")
    flags = ("--cache-dir", "../../from-flag") if flag else ()
    environ = {ENV_VAR: str(places["env"])} if env else {}

    cold = run(project_dir, "--no-cache", *args, cwd=subdir)
    fill = run(project_dir, *flags, *args, cwd=subdir, env=environ)
    warm = run(project_dir, *flags, *args, cwd=subdir, env=environ)
    assert_same(fill, cold, "the run that fills the cache")
    assert_same(warm, cold, "the warm run")
    assert_cache_filled(places[winner])
    assert [name for name in places if places[name].exists()] == [winner]
    assert not list(project_dir.rglob(CACHE)), "a cache in the project tree"
    assert sorted(fill.files) == sorted(tree_bytes(project_dir)), "files added to the project"


def _read_only_directory(tmp_path: Path, root: Path) -> Path:
    directory = root / CACHE
    directory.mkdir()
    directory.chmod(0o500)
    return directory


def _under_a_file(tmp_path: Path, root: Path) -> Path:
    (tmp_path / "a-file").write_text("")
    return tmp_path / "a-file" / "cache"


def _filled_and_made_read_only(tmp_path: Path, root: Path) -> Path:
    run(root, "--check", ".")
    directory = root / CACHE
    for path in [directory, *directory.rglob("*")]:
        path.chmod(0o500 if path.is_dir() else 0o400)
    return directory


def _filled_with_directories_in_place_of_its_files(tmp_path: Path, root: Path) -> Path:
    """Unwritable even for root: os.replace cannot put a file over a directory."""
    run(root, "--check", ".")
    directory = root / CACHE
    for name in cache_files(directory):
        _directory_in_its_place(directory / name)
    return directory


ROOT = os.geteuid() == 0
# (how the cache is made unwritable, -> the directory; True: chmod, which root ignores)
UNWRITABLE = [
    pytest.param(_read_only_directory, True, id="read-only-directory", marks=pytest.mark.slow),
    pytest.param(
        _filled_and_made_read_only, True, id="filled-then-read-only", marks=pytest.mark.slow
    ),
    pytest.param(_under_a_file, False, id="parent-is-a-file", marks=pytest.mark.slow),
    pytest.param(
        _filled_with_directories_in_place_of_its_files,
        False,
        id="directories-in-place-of-its-files",
        marks=pytest.mark.slow,
    ),
]


@pytest.mark.parametrize(("unwritable", "by_chmod"), UNWRITABLE)
def test_cache_that_cannot_be_written_changes_no_output(
    tmp_path: Path,
    project_dir: Path,
    unwritable: Callable[[Path, Path], Path],
    by_chmod: bool,
) -> None:
    if by_chmod and ROOT:
        # root writes through chmod; parent-is-a-file covers this case for root
        unwritable = _under_a_file
    _layout(SEED_PROJECT)(project_dir)
    directory = unwritable(tmp_path, project_dir)
    flags = () if directory.is_relative_to(project_dir) else ("--cache-dir", str(directory))
    try:
        # what the cache holds is stale now
        write_project(project_dir, {"saas/plans.py": TYPO.replace("UsageEvent", "PlanEvent")})
        before = tree_bytes(project_dir)
        for args in (("--check", "-v", "."), ("--diff", "."), (".",)):
            result = run(project_dir, *flags, *args)
            restore(project_dir, before)  # the fix run wrote; the cold run starts from the same
            cold = run(project_dir, "--no-cache", *args)
            assert_no_traceback(result)
            assert_same(result, cold, f"{' '.join(args)} with a cache it cannot write")
        assert cold.files != before, "the fix run wrote nothing: the case tests nothing"
    finally:
        for path in [directory, *directory.rglob("*")] if directory.is_dir() else []:
            path.chmod(0o700)


# --- the pre-commit use: the whole project once, then the files of each commit -----------------

COMMITS = [
    pytest.param(("--check",), ("saas/models.py",), None, id="check-one-file"),
    pytest.param(
        ("--check",),
        ("saas/models.py", "ecommerce/models.py"),
        None,
        id="check-two-files",
        marks=pytest.mark.slow,
    ),
    pytest.param((), ("saas/models.py",), None, id="fix-one-file", marks=pytest.mark.slow),
    pytest.param(
        ("--check",),
        ("saas/plans.py",),
        "saas/plans.py",
        id="check-a-new-staged-file",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        ("--check",), ("saas/models.py",), "saas/models.py", id="check-an-edited-staged-file"
    ),
]


@pytest.mark.parametrize(("mode", "paths", "edited"), COMMITS)
def test_commit_after_a_whole_project_run_equals_cold(
    project_dir: Path, mode: tuple[str, ...], paths: tuple[str, ...], edited: Optional[str]
) -> None:
    def build(root: Path) -> None:
        _layout(SEED_PROJECT)(root)

    def stage(root: Path) -> None:
        if edited:
            write_project(root, {edited: TYPO.replace("UsageEvent", "PlanEvent")})

    build(project_dir)
    stage(project_dir)
    cold = run(project_dir, "--no-cache", *mode, *paths)
    relaid(project_dir, build)
    fill = run(project_dir, "--check", ".")
    assert_cache_filled(project_dir / CACHE)
    stage(project_dir)
    warm = run(project_dir, *mode, *paths)
    assert_no_traceback(fill)
    assert_same(warm, cold, f"{' '.join((*mode, *paths))} after --check .")
    if edited:
        assert "FR201" in warm.stdout


def _stored_walk(directory: Path) -> bool:
    (database,) = directory.glob("facts-*.sqlite3")
    with sqlite3.connect(database) as db:
        parts = db.execute("SELECT count(*) FROM tree").fetchone()[0]
    db.close()
    return bool(parts)


def _parallel_from() -> int:
    from codemods.relationships.stamps import PARALLEL_FROM

    return PARALLEL_FROM


@pytest.mark.parametrize(
    "count",
    [
        pytest.param(600, id="enough-to-vouch-by-directory"),
        pytest.param(_parallel_from(), id="stat-ed-on-every-core", marks=pytest.mark.slow),
    ],
)
def test_a_commit_in_a_large_project_sees_an_edit_anywhere(project_dir: Path, count: int) -> None:
    """With enough files, a commit takes the stored walk and vouches for files by directory
    (with as many as `stamps.PARALLEL_FROM`, it stats them in forked workers): an edit in
    place far from the committed file (a second `Subscription`: the bare name is now
    ambiguous) changes its report as it does a cold run's."""
    many = {f"app/part_{i // 200}/module_{i}.py": f"VALUE = {i}\n" for i in range(count)}
    _layout({**SEED_PROJECT, **many})(project_dir)
    settle(project_dir)
    assert_no_traceback(run(project_dir, "--check", "."))
    assert_cache_filled(project_dir / CACHE)
    files, _ = trusted_entries(project_dir / CACHE)
    assert files == len(many) + len(SEED_PROJECT), "the fill trusted not every entry"
    settle(project_dir)  # the cache's own directory, new in the root, is listed and trusted
    before = run(project_dir, "--check", "saas/models.py")
    assert _stored_walk(project_dir / CACHE), "no walk stored: the case tests nothing"
    middle = count // 2  # a file that is there: its directory's stat stays the same
    write_project(
        project_dir, {f"app/part_{middle // 200}/module_{middle}.py": LEGACY_SUBSCRIPTION}
    )
    warm = run(project_dir, "--check", "saas/models.py")
    cold = run(project_dir, "--no-cache", "--check", "saas/models.py")
    assert_same(warm, cold, "a commit after an edit elsewhere")
    assert warm.stdout != before.stdout, "the edit changes nothing: the case tests nothing"


# --- which runs keep a report to replay -------------------------------------------------------

ORDINARY = {f"app/module_{i}.py": f"VALUE = {i}\n" for i in range(200)}


@pytest.mark.parametrize(
    ("paths", "replayed"),
    [
        pytest.param(lambda root: ["."], True, id="a-directory"),
        pytest.param(
            lambda root: sorted(str(p.relative_to(root)) for p in root.rglob("*.py")),
            True,
            id="every-file-by-name-as-pre-commit-all-files",
        ),
        pytest.param(lambda root: ["saas/models.py", "app/module_1.py"], False, id="a-commit"),
    ],
)
def test_a_sweep_keeps_its_report_and_a_commit_does_not(
    project_dir: Path, paths: Callable[[Path], list[str]], replayed: bool
) -> None:
    _layout({**SEED_PROJECT, "app/__init__.py": "", **ORDINARY})(project_dir)
    args = ("--check", *paths(project_dir))
    cold = run(project_dir, "--no-cache", *args)
    assert cold.returncode == 1 and "FR101" in cold.stdout
    first = run(project_dir, *args)
    kept = [n for n in cache_files(project_dir / CACHE) if n.startswith("report-")]
    assert bool(kept) == replayed, kept
    assert_same(first, cold, "the first run")
    assert_same(run(project_dir, *args), cold, "the run after it (replayed)" if replayed else "")
