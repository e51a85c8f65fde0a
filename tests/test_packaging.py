"""The wheel: only the `codemods` package at the top level (no generic `hooks` package), and
both console scripts pointing into it."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, FIXED, REPO, SEED, write_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    [path] = out.glob("fix_relationships-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_installs_only_the_codemods_package(wheel: zipfile.ZipFile) -> None:
    top = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in top if not t.endswith(".dist-info")} == {"codemods"}
    assert "codemods/hook.py" in wheel.namelist()


def test_wheel_console_scripts(wheel: zipfile.ZipFile) -> None:
    [entry_points] = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    parser = configparser.ConfigParser()
    parser.read_string(wheel.read(entry_points).decode())
    assert dict(parser["console_scripts"]) == {
        "fix-relationships": "codemods.fix_relationships:main",
        "fix-relationships-hook": "codemods.hook:main",
    }


@pytest.mark.parametrize("module", ["codemods.fix_relationships", "codemods.hook"])
def test_both_entries_run_as_modules(project_dir: Path, module: str) -> None:
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": SEED})
    result = subprocess.run(
        [sys.executable, "-m", module, "saas/models.py"],
        cwd=project_dir,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert (project_dir / "saas/models.py").read_text() == FIXED
