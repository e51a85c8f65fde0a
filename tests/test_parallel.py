"""Big runs analyse on worker processes, at most a window of files ahead of the decisions, and
let each file's text go once it is decided: none of it may change what a run reports or writes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from codemods.relationships.analysis import MIN_JOBS
from codemods.relationships.parallel import Workers, cores
from codemods.relationships.run import CHECK, DIFF, WRITE, Options, run
from tests.project_helpers import write_project


def _square(value: int) -> int:
    return value * value


@pytest.mark.parametrize(
    ("count", "chunk", "ahead"),
    [
        pytest.param(250, 4, 16, id="window-of-four-chunks"),
        pytest.param(250, 7, 3, id="window-smaller-than-a-chunk"),
        pytest.param(250, 16, 10_000, id="window-wider-than-the-items"),
        pytest.param(201, 200, 1, id="last-chunk-short"),
    ],
)
def test_bounded_map_gives_every_result_in_order(count: int, chunk: int, ahead: int) -> None:
    workers = Workers()
    try:
        results = list(workers.map(_square, list(range(count)), chunk=chunk, ahead=ahead))
    finally:
        workers.close()
    assert results == [n * n for n in range(count)]


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
    write_project(root, files)


def _outcome(root: Path, mode: str, parallel: bool) -> tuple[object, ...]:
    out, err = io.StringIO(), io.StringIO()
    report = run(["."], Options(root, mode=mode, verbose=True, parallel=parallel), out, err)
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}
    return report.findings, report.changed, report.exit_code, out.getvalue(), err.getvalue(), files


@pytest.mark.parametrize("mode", [CHECK, DIFF, WRITE])
def test_workers_change_nothing_a_run_says_or_writes(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cores() > 1, "the workers only run on a machine with more than one core"
    alone, pooled = tmp_path / "alone", tmp_path / "pooled"
    _project(alone)
    _project(pooled)
    monkeypatch.chdir(alone)
    expected = _outcome(alone, mode, parallel=False)
    monkeypatch.chdir(pooled)
    got = _outcome(pooled, mode, parallel=True)
    findings, changed = expected[0], expected[1]
    assert findings and changed  # the project gives the run something to say and to rewrite
    assert got == expected
