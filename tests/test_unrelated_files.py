"""A file that cannot be decoded and holds no relationship() call is a warning (FR402) that
names it, not exit 2; one whose bytes hold `relationship`, `relation` or `dynamic_loader` is
still an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, FIXED, SEED, run_cli, write_project

UNRELATED = [
    pytest.param(b"# caf\xe9\nPLAN = 'basic'\n", "not valid utf-8", id="not-utf-8"),
    pytest.param(b"x = 1\x00\n", "NUL bytes", id="nul-bytes"),
    pytest.param(b"# -*- coding: klingon -*-\nx = 1\n", "cannot decode", id="unknown-cookie"),
    pytest.param(b"\xff\xfeP\x00L\x00A\x00N\x00", "NUL bytes", id="utf-16-data"),
]
RELATED = [
    pytest.param(b"# caf\xe9\nx = relationship('Plan')\n", id="relationship"),
    pytest.param(b"x = 1\x00  # relation\n", id="relation"),
    pytest.param(b"# -*- coding: klingon -*-\nx = dynamic_loader\n", id="dynamic_loader"),
]


@pytest.mark.parametrize(("content", "reason"), UNRELATED)
@pytest.mark.parametrize("models", [pytest.param(FIXED, id="clean"), pytest.param(SEED, id="fix")])
def test_unrelated_undecodable_file_is_a_warning(
    project_dir: Path, content: bytes, reason: str, models: str
) -> None:
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": models})
    (project_dir / "saas/data.py").write_bytes(content)
    result = run_cli(project_dir, ".")
    assert result.returncode == (0 if models == FIXED else 1), result.stdout + result.stderr
    [line] = [ln for ln in result.stdout.splitlines() if "saas/data.py" in ln]
    assert line.startswith("saas/data.py: FR402 warning: ") and reason in line, line
    assert "0 error(s)" in result.stderr
    assert (project_dir / "saas/data.py").read_bytes() == content
    assert (project_dir / "saas/models.py").read_text() == FIXED


@pytest.mark.parametrize("content", RELATED)
def test_undecodable_file_with_a_relationship_is_still_an_error(
    project_dir: Path, content: bytes
) -> None:
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": SEED})
    (project_dir / "saas/data.py").write_bytes(content)
    result = run_cli(project_dir, ".")
    assert result.returncode == 2
    [line] = [ln for ln in result.stdout.splitlines() if "saas/data.py" in ln]
    assert line.startswith("saas/data.py: FR901 error: "), line
    assert (project_dir / "saas/data.py").read_bytes() == content
    assert (project_dir / "saas/models.py").read_text() == FIXED
