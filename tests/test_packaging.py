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
        "fix-relationships": "codemods.fix_relationships:console",
        "fix-relationships-hook": "codemods.hook:console",
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


@pytest.mark.parametrize("files", [pytest.param(1, id="a-line"), pytest.param(600, id="pages")])
@pytest.mark.parametrize("module", ["codemods.fix_relationships", "codemods.hook"])
def test_an_entry_that_ends_at_once_has_written_all_its_output(
    project_dir: Path,
    module: str,
    files: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The entries end the process without the interpreter's teardown: what is still buffered
    is written first, what fills the pipe many times over all arrives, and the exit code is
    the run's."""
    seeds = {
        f"saas/m{i}.py": SEED.replace("UsageEvent", f"UsageEvent{i}").replace(
            "usage_events", f"usage_events_{i}"
        )
        for i in range(files)
    }
    write_project(project_dir, {**BASE_PROJECT, **seeds})
    argv = ["--check", "--no-cache", "-v", "."]
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    result = subprocess.run(
        [sys.executable, "-m", module, *argv],
        cwd=project_dir,
        env={**buffered, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    from codemods.fix_relationships import main

    monkeypatch.chdir(project_dir)
    code = main(argv)
    printed = capsys.readouterr()
    assert code == 1 and printed.out.count("FR101") == files
    assert (result.returncode, result.stdout, result.stderr) == (code, *printed)
