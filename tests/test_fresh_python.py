"""The runs of `run_fresh` are as `python -c` runs: nothing of one run is seen by the next, and
the exit code, output and traceback are the interpreter's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fresh_python import run_fresh
from project_helpers import DATABASE, write_project

MODELS = (
    DATABASE
    + """

class Thing(Base):
    __tablename__ = "things"
    from sqlalchemy.orm import Mapped, mapped_column
    id: Mapped[int] = mapped_column(primary_key=True)
"""
)

CASES = {
    "exit-code": "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)",
    "exit-message": "raise SystemExit('gone')",
    "traceback": "import pkg.missing_module",
    "exception-in-mappers": "import pkg.models\nfrom sqlalchemy.orm import relationship\n"
    "class Bad(pkg.models.Base):\n    __tablename__ = 'bad'\n    x = relationship('Nowhere')\n"
    "from sqlalchemy.orm import configure_mappers\nconfigure_mappers()",
    "argv-and-name": "import sys; print(sys.argv, __name__, sys.path[:2])",
}


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root)}


@pytest.mark.parametrize("code", CASES.values(), ids=CASES.keys())
def test_a_run_is_what_python_c_gives(tmp_path: Path, code: str) -> None:
    write_project(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": MODELS})
    fresh = run_fresh(tmp_path, code, _env(tmp_path))
    real = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (fresh.returncode, fresh.stdout) == (real.returncode, real.stdout)
    assert fresh.stderr == real.stderr


def test_nothing_of_a_run_is_seen_by_the_next(tmp_path: Path) -> None:
    write_project(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": MODELS})
    first = run_fresh(
        tmp_path,
        "import os, pkg.models\nfrom sqlalchemy.orm import configure_mappers\n"
        "configure_mappers()\nos.environ['LEFT_BEHIND'] = '1'\nprint(pkg.models.Thing)",
        _env(tmp_path),
    )
    assert first.returncode == 0, first.stderr
    second = run_fresh(
        tmp_path,
        "import os, sys\nfrom sqlalchemy.orm.mapper import _mapper_registries\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pkg'), len(_mapper_registries),"
        " os.environ.get('LEFT_BEHIND'))",
        _env(tmp_path),
    )
    assert second.stdout.split() == ["[]", "0", "None"], second.stderr


def test_a_run_past_its_timeout_is_stopped_and_the_next_runs(tmp_path: Path) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        run_fresh(tmp_path, "import time; time.sleep(60)", _env(tmp_path), timeout=0.3)
    assert run_fresh(tmp_path, "print('again')", _env(tmp_path)).stdout == "again\n"
