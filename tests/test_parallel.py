"""Big runs analyse on worker processes, handed every file at once and gone when done, each
worker holding a window of summaries; a run lets each file's text, and what only its own
decisions ask, go once it is decided: none of it may change what a run reports or writes."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codemods.relationships import analysis, handout
from codemods.relationships.analysis import MIN_JOBS
from codemods.relationships.decide import Decider
from codemods.relationships.discover import project_files
from codemods.relationships.handout import needed_first
from codemods.relationships.parallel import Result, Workers, cores
from codemods.relationships.project import Project
from codemods.relationships.run import CHECK, DIFF, WRITE, Options, run
from codemods.relationships.transform import fix_source
from tests.project_helpers import BASE_PROJECT, SEED, plain, write_project


def _square(value: int) -> int:
    return value * value


@pytest.mark.parametrize(("count", "chunk"), [(250, 4), (250, 7), (201, 200)])
def test_released_workers_finish_their_work_and_exit_before_it_is_taken(
    count: int, chunk: int
) -> None:
    import multiprocessing

    workers = Workers()
    try:
        results = workers.map(_square, list(range(count)), chunk=chunk)
        workers.release()
        deadline = time.monotonic() + 60
        while multiprocessing.active_children() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not multiprocessing.active_children()  # gone, with every result still to take
        assert list(results) == [n * n for n in range(count)]
        assert list(workers.map(_square, list(range(count)), chunk=chunk)) == [
            n * n for n in range(count)
        ]  # the next call starts new workers
    finally:
        workers.close()


def test_new_workers_start_only_once_the_released_ones_are_gone() -> None:
    """A fork while the released pool's threads still run could copy a lock one of them
    holds: the next pool waits for the released one first."""
    import multiprocessing

    workers = Workers()
    try:
        first = workers.map(_slow_square, list(range(40)), minimum=1, chunk=1)
        workers.release()
        released = multiprocessing.active_children()
        assert released  # still at work
        assert list(workers.map(_square, list(range(250)), chunk=4)) == [n * n for n in range(250)]
        assert not any(process.is_alive() for process in released)
        assert list(first) == [n * n for n in range(40)]
    finally:
        workers.close()


def _slow_square(value: int) -> int:
    time.sleep(0.01)
    return value * value


MODELS = 3 * MIN_JOBS  # enough candidates for the workers to analyse them


def _project(root: Path) -> None:
    files = {"pyproject.toml": "", "core/__init__.py": "", "app/__init__.py": ""}
    files["core/database.py"] = (
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
    )
    for i in range(MODELS):
        j = (i + 1) % MODELS
        target = f"app.m{j}.Model{j}" if i % 3 else f"app.m{j}.Missing{j}"  # every third: broken
        files[f"app/m{i}.py"] = (
            "from sqlalchemy import ForeignKey\n"
            "from sqlalchemy.orm import Mapped, mapped_column, relationship\n\n"
            "from core.database import Base\n\n\n"
            f"class Model{i}(Base):\n"
            f'    __tablename__ = "t{i}"\n'
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
            f'    other_id: Mapped[int] = mapped_column(ForeignKey("t{j}.id"))\n'
            f'    other = relationship("{target}")\n'
        )
        if i % 5 == 2:  # the class binds the target's name: the rewrite is refused
            files[f"app/m{i}.py"] += f"    Model{j} = None\n"
    write_project(root, files)


def _outcome(root: Path, mode: str, parallel: bool) -> tuple[object, ...]:
    out, err = io.StringIO(), io.StringIO()
    report = run(["."], Options(root, mode=mode, verbose=True, parallel=parallel), out, err)
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}
    return report.findings, report.changed, report.exit_code, out.getvalue(), err.getvalue(), files


class _Asked:
    """A chunk of analyses that says whether it is done as a test wants: always (after waiting
    for it), so that every summary asked for early is taken from the workers; or never, so
    that every one is parsed here."""

    def __init__(self, future: Result[list[analysis.Packed]], done: bool) -> None:
        self._future, self._done = future, done

    def result(self) -> list[analysis.Packed]:
        return self._future.result()

    def done(self) -> bool:
        if self._done:
            self._future.result()
        return self._done


@pytest.mark.parametrize("early", ["taken", "parsed"])
@pytest.mark.parametrize("window", [analysis.WORKER_SUMMARIES, 1])
@pytest.mark.parametrize("mode", [CHECK, DIFF, WRITE])
def test_workers_change_nothing_a_run_says_or_writes(
    tmp_path: Path, mode: str, window: int, early: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cores() > 1, "the workers only run on a machine with more than one core"
    monkeypatch.setattr(analysis, "WORKER_SUMMARIES", window)  # 1: a worker forgets at once
    chunk = Workers.chunk
    asked: list[bool] = []

    def told(self: Workers, *args: Any) -> _Asked:
        asked.append(True)
        return _Asked(chunk(self, *args), early == "taken")

    monkeypatch.setattr(Workers, "chunk", told)
    alone, pooled = tmp_path / "alone", tmp_path / "pooled"
    _project(alone)
    _project(pooled)
    monkeypatch.chdir(alone)
    expected = _outcome(alone, mode, parallel=False)
    monkeypatch.chdir(pooled)
    got = _outcome(pooled, mode, parallel=True)
    findings, changed = expected[0], expected[1]
    assert findings and changed  # the project gives the run something to say and to rewrite
    assert asked  # the workers analysed
    assert got == expected


def test_a_window_of_summaries_lets_the_oldest_go_and_reads_them_again(tmp_path: Path) -> None:
    names = [f"m{i}.py" for i in range(4)]
    for i, name in enumerate(names):
        (tmp_path / name).write_text(f"import os\n\nVALUE_{i} = 1\n\n\nclass C{i}:\n    pass\n")
    project = Project(tmp_path, names)
    before = project.info("m0.py")
    project.keep_at_most(2)
    read = {name: project.info(name) for name in names[1:]}
    assert project.known_info("m0.py") is before  # known before the window: kept
    assert project.known_info("m1.py") is None  # the oldest of the window: let go
    assert [project.known_info(n) for n in names[2:]] == [read[n] for n in names[2:]]
    again = project.info("m1.py")  # read again, the same facts
    assert again is not None and again is not read["m1.py"] and again == read["m1.py"]
    assert project.known_info("m2.py") is None  # and the window moved on
    project.set_info("m3.py", None)  # set, not read: held in the window all the same
    assert project.known_info("m3.py") is None and "m3.py" in project._window
    assert len(project._window) == 2 and project.known_info("m0.py") is before


def test_a_decided_file_lets_go_of_the_names_only_its_decisions_ask_about(tmp_path: Path) -> None:
    write_project(tmp_path, {**BASE_PROJECT, "saas/models.py": SEED})
    project = Project(tmp_path, project_files(tmp_path))
    path = "saas/models.py"
    outcome = fix_source(path, path, (tmp_path / path).read_text(), Decider(project))
    assert outcome.new_text is not None  # the file was decided, and rewritten
    info = project.known_info(path)
    assert info is not None and info.bindings  # its summary stays, for the files after it
    for asked in (info.loaded_names, info.annotation_names):
        with pytest.raises(RuntimeError, match="after forget_own_names"):
            asked()  # never answered wrongly from a summary that no longer holds them


ORDERS = [
    pytest.param(
        {"a.py": 'relationship("pkg.c.C")\n', "b.py": "", "c.py": "class C: ...\n"},
        ["c.py", "a.py", "b.py"],
        id="a-dotted-target-first",
    ),
    pytest.param(
        {"a.py": "relationship('C')\n", "b.py": "", "c.py": "class C: ...\n"},
        ["c.py", "a.py", "b.py"],
        id="a-bare-target-first",
    ),
    pytest.param(
        {"a.py": "import pkg.c\n", "b.py": "", "c.py": ""},
        ["c.py", "a.py", "b.py"],
        id="an-imported-module-first",
    ),
    pytest.param(
        {"a.py": "from pkg import c\n", "b.py": "", "c.py": ""},
        ["c.py", "a.py", "b.py"],
        id="a-module-imported-from-its-package-first",
    ),
    pytest.param(
        {"a.py": 'relationship("pkg.c.C")\n', "b.py": "", "c.py": "import pkg.d\n", "d.py": ""},
        ["d.py", "c.py", "a.py", "b.py"],
        id="what-a-target-imports-before-it",
    ),
    pytest.param(
        {
            "a.py": "relationship('C')\n",
            "b.py": "class C: ...\n",
            "c.py": "class C: ...\n",
            "d.py": "class C: ...\n",
        },
        ["a.py", "b.py", "c.py", "d.py"],
        id="a-name-defined-all-over-says-little",
    ),
    pytest.param(
        {"a.py": "", "b.py": 'relationship("pkg.a.A")\n', "c.py": 'x = "pkg.b.B"\n'},
        ["a.py", "b.py", "c.py"],
        id="an-earlier-file-stays-where-it-is",
    ),
    pytest.param(
        {
            "a.py": 'relationship("pkg.d.D")\nx: Mapped["C"]\n',
            "b.py": "",
            "c.py": "class C: ...\n",
            "d.py": "",
        },
        ["d.py", "c.py", "a.py", "b.py"],
        id="in-the-order-they-are-named",
    ),
    pytest.param(
        {
            "a.py": 'relationship("pkg.nowhere.X")\n',
            "b.py": "relationship('Unknown')\n",
            "c.py": "",
        },
        ["a.py", "b.py", "c.py"],
        id="names-of-nothing-change-nothing",
    ),
]


@pytest.mark.parametrize(("files", "expected"), ORDERS)
def test_the_workers_analyse_first_what_a_decision_will_read(
    tmp_path: Path, files: dict[str, str], expected: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Handed out in this order, the summaries a file's decision asks for come from the
    workers before its turn; the analyses are still taken in file order. What a module's
    imports run is worked out once for it, however many files name it."""
    asked: list[str] = []
    imported = handout._imported

    def counted(file: str, *args: Any) -> Iterator[str]:
        asked.append(file)
        return imported(file, *args)

    monkeypatch.setattr(handout, "_imported", counted)
    write_project(tmp_path, {f"pkg/{name}": text for name, text in files.items()})
    project = Project(tmp_path, project_files(tmp_path))
    jobs = [(f"pkg/{name}", text) for name, text in files.items()]
    order = list(needed_first(jobs, project))
    assert sorted(order) == list(range(len(jobs)))
    assert [jobs[i][0] for i in order] == [f"pkg/{name}" for name in expected]
    assert len(asked) == len(set(asked)) and set(asked) >= {file for file, _ in jobs}


def test_a_job_takes_a_few_later_ones_ahead_of_it_at_most(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handout, "PULLED", 1)
    text = 'relationship("pkg.c.C")\nx: Mapped["pkg.d.D"]\n'
    files = {"a.py": text, "b.py": "", "c.py": "", "d.py": ""}
    write_project(tmp_path, {f"pkg/{name}": text for name, text in files.items()})
    project = Project(tmp_path, project_files(tmp_path))
    jobs = [(f"pkg/{name}", text) for name, text in files.items()]
    assert list(needed_first(jobs, project)) == [2, 0, 1, 3]


def test_an_analysis_arrives_from_a_worker_with_one_module_scope(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The references' module scope is their summary's bindings: sent once, and one dictionary
    again in this process, equal to what an analysis made here holds."""
    from codemods.relationships.analysis import Job, analyse
    from codemods.relationships.find import Reference
    from codemods.relationships.qualify import Resolver

    source = SEED.replace(
        "from core.database import Base\n",
        "from core.database import Base\nfrom ecommerce.models import Subscription\n",
    ).replace('relationship("ecommerce.models.Subscription")', 'relationship("Subscription")')
    write_project(tmp_path, {**BASE_PROJECT, "saas/models.py": source})
    job = Job("saas/models.py", source, True, False)
    project = Project(tmp_path, project_files(tmp_path))
    monkeypatch.setattr(analysis, "_PROJECT", project)
    monkeypatch.setattr(analysis, "_RESOLVER", None)
    packed = analysis._analyse_in_worker(job)
    arrived = packed.unpack()
    here = analyse(job, Project(tmp_path, project_files(tmp_path)), Resolver(project))
    references = [f for f in arrived.found if isinstance(f, Reference)]
    assert references and arrived.info is not None and here.info is not None
    assert all(ref.scopes[-1] is arrived.info.bindings for ref in references)
    made = [r for r in here.found if isinstance(r, Reference)]
    assert plain([r.scopes[-1] for r in references]) == plain([r.scopes[-1] for r in made])
    # the enclosing class's scope: its names only (all a decision asks of it)
    assert [[list(s) for s in r.scopes[:-1]] for r in references] == [
        [list(s) for s in r.scopes[:-1]] for r in made
    ]
    assert all(len(r.scopes) == 2 and "subscription_id" in r.scopes[0] for r in references)
    assert not any(bounds for r in references for bounds in r.scopes[0].values())
    assert "Subscription" in arrived.info.bindings
