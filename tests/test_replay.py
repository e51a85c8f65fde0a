"""A report replayed after an edit that changes nothing it read (replay.py), on real projects.

A sweep keeps its report with what it needed of each file: all of a file's content (a candidate,
or a file the decisions read, here or in a worker), or only its scan. After an edit, the next
sweep prints the kept report again only if every changed file is of the second kind and scans
as it did; otherwise it decides the whole project again. Either way its output must be the cold
run's, byte for byte: the cold run (`--no-cache`, in a fresh interpreter) is the judge.

Whether a run replayed is seen by a spy on `run._read_all`, the first step a run that decides
takes: the warm runs are made in this process, the cache filled and the judge run by the
command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from project_helpers import BASE_PROJECT, SEED, run_cli, write_project
from test_cache import CACHE, ORDINARY, SEED_PROJECT, settle

from codemods import fix_relationships
from codemods.relationships import analysis, replay, run
from codemods.relationships.analysis import Job
from codemods.relationships.discover import project_files
from codemods.relationships.project import Project

# The seed's dotted target is left alone (FR301): another module defines a class of its name,
# mapped through the project's base.
LEGACY = "from core.database import Base\n\n\nclass Subscription(Base):\n    pass\n"
PROJECT = {
    "pyproject.toml": "",
    **SEED_PROJECT,
    "legacy/__init__.py": "",
    "legacy/models.py": LEGACY,
    "app/__init__.py": "",
    **ORDINARY,
}
ORDINARY_FILE = "app/module_7.py"
SWEEP = ("--check", "-v", ".")  # -v: the findings of the targets left alone too


def _append(relpath: str, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        with (root / relpath).open("a", encoding="utf-8") as handle:
            handle.write(text)

    return edit


def _replace(relpath: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / relpath
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relpath}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return edit


# (the edit after a sweep filled the cache, whether the next sweep replays, whether the edit
# changes the cold run's output)
EDITS = [
    pytest.param(
        _append(ORDINARY_FILE, "# a comment\n"), True, False, id="a-comment-in-an-ordinary-file"
    ),
    pytest.param(
        _replace(ORDINARY_FILE, "VALUE = 7", "VALUE = 7 * 6"),
        True,
        False,
        id="a-statement-of-an-ordinary-file",
    ),
    pytest.param(
        _append(ORDINARY_FILE, 'TARGET = "ecommerce.models.Plan"\n'),
        True,
        False,
        id="an-ordinary-file-now-holds-a-dotted-string-but-calls-no-relationship",
    ),
    pytest.param(
        _append(ORDINARY_FILE, "\n\nclass Subscription:\n    pass\n"),
        False,
        False,
        id="an-ordinary-file-now-defines-a-class",
    ),
    pytest.param(
        _append(
            ORDINARY_FILE,
            'from sqlalchemy.orm import relationship\nplan = relationship("ecommerce.models.Plan")\n',
        ),
        False,
        True,
        id="an-ordinary-file-now-calls-relationship",
    ),
    pytest.param(
        _replace("legacy/models.py", "class Subscription(Base)", "class Subscription(dict)"),
        False,
        True,  # the other class is no longer mapped, and the module scans as before
        id="the-other-class-is-no-longer-mapped",
    ),
    pytest.param(
        _replace("core/database.py", "class Base(DeclarativeBase)", "class Base(object)"),
        False,
        True,  # no class of the project is mapped now, and the module scans as before
        id="the-base-module-no-longer-declares-a-base",
    ),
    pytest.param(
        _append("saas/models.py", "# a comment\n"), False, False, id="a-comment-in-a-candidate"
    ),
    pytest.param(
        _replace("saas/models.py", "models.Subscription", "models.Plan"),
        False,
        True,
        id="the-candidate-names-another-target",
    ),
]


def _swept_here(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`--check -v .` in this process (the cache as the command line left it)."""
    capsys.readouterr()
    code = fix_relationships.main(list(SWEEP))
    out, err = capsys.readouterr()
    return code, out, err


def _judged(root: Path) -> tuple[int, str, str]:
    """The cold run's exit code and output: the judge."""
    cold = run_cli(root, "--no-cache", *SWEEP)
    return cold.returncode, cold.stdout, cold.stderr


@pytest.fixture
def decided(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Runs in `tmp_path`, each in-process run that decided anew noted (replayed: none)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FIX_RELATIONSHIPS_CACHE_DIR", raising=False)
    noted: list[str] = []
    read_all = run._read_all

    def spy(*args: object, **kwargs: object) -> object:
        noted.append("decided")
        return read_all(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(run, "_read_all", spy)
    return noted


@pytest.mark.parametrize(("edit", "replayed", "changes"), EDITS)
def test_a_report_is_replayed_only_after_an_edit_of_nothing_it_read(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    decided: list[str],
    edit: Callable[[Path], None],
    replayed: bool,
    changes: bool,
) -> None:
    write_project(tmp_path, PROJECT)
    before = run_cli(tmp_path, *SWEEP)  # fills the cache and keeps its report
    assert before.returncode == 0 and "FR301" in before.stdout, before
    edit(tmp_path)
    warm = _swept_here(tmp_path, capsys)
    cold = _judged(tmp_path)
    assert warm == cold
    assert (cold[1] != before.stdout) == changes, "the case is not the one it says"
    assert decided == ([] if replayed else ["decided"])
    # The run after it replays its report as it is, and prints the same.
    assert _swept_here(tmp_path, capsys) == warm
    assert decided == ([] if replayed else ["decided"])


OLDER = [
    pytest.param(_append(ORDINARY_FILE, "# a comment\n"), True, id="an-ordinary-file"),
    pytest.param(
        _replace("legacy/models.py", "class Subscription(Base)", "class Subscription(dict)"),
        False,
        id="a-file-the-report-read",
    ),
]


@pytest.mark.slow  # it waits past the racy second
@pytest.mark.parametrize(("edit", "replayed"), OLDER)
def test_a_report_kept_within_a_second_of_the_files_edits_replays_once_they_are_older(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    decided: list[str],
    edit: Callable[[Path], None],
    replayed: bool,
) -> None:
    """A report kept while files were within the racy second holds their bytes' digests; once
    they are older, the next sweep has their stats instead. It reads them to tell whether they
    are the same, and keeps their stats: the sweep after it reads none."""
    write_project(tmp_path, PROJECT)
    run_cli(tmp_path, *SWEEP)
    (kept,) = (tmp_path / CACHE).glob("report-*.json")
    stored = kept.read_bytes()
    edit(tmp_path)
    settle(tmp_path)
    warm = _swept_here(tmp_path, capsys)
    assert warm == _judged(tmp_path)
    assert decided == ([] if replayed else ["decided"])
    assert kept.read_bytes() != stored, "the report was not kept with the files' stats"
    stored = kept.read_bytes()
    assert _swept_here(tmp_path, capsys) == warm
    assert kept.read_bytes() == stored, "the report was kept again: nothing had changed"
    assert decided == ([] if replayed else ["decided"])


def test_a_kept_report_replays_after_one_edit_after_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], decided: list[str]
) -> None:
    """Each replay keeps the files' new versions: a second edit elsewhere replays too, and an
    edit that does change the report after them is still seen."""
    write_project(tmp_path, PROJECT)
    first = run_cli(tmp_path, *SWEEP)
    for relpath in ("app/module_1.py", "app/module_2.py", "app/module_1.py"):
        _append(relpath, "# edited\n")(tmp_path)
        assert _swept_here(tmp_path, capsys) == (first.returncode, first.stdout, first.stderr)
    assert decided == []
    _replace("legacy/models.py", "class Subscription(Base)", "class Subscription(dict)")(tmp_path)
    cold = _judged(tmp_path)
    assert cold[1] != first.stdout
    assert _swept_here(tmp_path, capsys) == cold
    assert decided == ["decided"]


# The seed's target by name, imported from the module that defines it: analysing the file
# reads that module (on every core, in a worker, when there are many candidates).
BY_NAME = SEED.replace('"ecommerce.models.Subscription"', "Subscription").replace(
    "from core.database import Base\n",
    "from core.database import Base\nfrom ecommerce.models import Subscription\n",
)


def test_a_worker_tells_which_files_its_analysis_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked worker's reads happen in its own memory: its analysis carries them back."""
    write_project(tmp_path, {**BASE_PROJECT, "saas/models.py": BY_NAME})
    project = Project(tmp_path, project_files(tmp_path))
    monkeypatch.setattr(analysis, "_PROJECT", project)
    monkeypatch.setattr(analysis, "_RESOLVER", None)
    project.reads.add("saas/__init__.py")  # read before the fork: the parent knows it
    found = analysis._analyse_in_worker(Job("saas/models.py", BY_NAME, True, True)).unpack()
    assert found.reads == ("ecommerce/models.py",), found.reads
    assert "saas/__init__.py" not in found.reads


def test_the_reports_of_the_most_recent_invocations_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], decided: list[str]
) -> None:
    """Each invocation (paths, options) keeps a report file of its own; at most `KEPT`."""
    write_project(tmp_path, PROJECT)
    invocations = [["--check", "."], ["--check", "-v", "."], ["--check", "-q", "."]]
    invocations += [["--check", *(["app"] * n), "saas", "."] for n in range(1, replay.KEPT)]
    for args in invocations:
        fix_relationships.main(args)
    reports = list((tmp_path / CACHE).glob("report-*.json"))
    assert len(reports) == replay.KEPT, sorted(p.name for p in reports)
    decided.clear()
    fix_relationships.main(invocations[-1])
    fix_relationships.main(invocations[len(invocations) - replay.KEPT])
    assert decided == []  # kept
    fix_relationships.main(invocations[0])
    assert decided == ["decided"]  # the oldest: let go
    capsys.readouterr()


def test_a_replayed_run_lets_go_of_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], decided: list[str]
) -> None:
    """A replayed run ends before the cache is saved: it still closes the database, so that a
    later run in the same process (a library call, a test) can write it without waiting."""
    import sqlite3

    write_project(tmp_path, PROJECT)
    first = _swept_here(tmp_path, capsys)
    decided.clear()
    assert _swept_here(tmp_path, capsys) == first
    assert decided == []  # replayed
    (database,) = (tmp_path / CACHE).glob("facts-*.sqlite3")
    writer = sqlite3.connect(str(database), timeout=0, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO meta VALUES ('probe', '')")
        writer.execute("COMMIT")  # "database is locked" while the replayed run holds it
    finally:
        writer.close()
