"""--diff applies: piped into real `patch -p0` and `git apply`, it gives the real run's bytes,
for files without a final newline, CRLF files, other encodings and several files in one run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, REPO, SEED, write_project

TWO_WAY = {
    "ecommerce/models.py": BASE_PROJECT["ecommerce/models.py"]
    + '    events = relationship("saas.models.UsageEvent", back_populates="subscription")\n',
    "saas/models.py": SEED.replace('backref="usage_events"', 'back_populates="events"'),
}
FORM_FEED = SEED.replace("\n\n\nclass", "\n\n\x0c\nclass")


def _crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


# Each case: the project's model files as bytes (the rest of BASE_PROJECT as text).
CASES = [
    pytest.param({"saas/models.py": SEED.encode()}, id="plain"),
    pytest.param({"saas/models.py": SEED.rstrip("\n").encode()}, id="no-final-newline"),
    pytest.param({"saas/models.py": _crlf(SEED)}, id="crlf"),
    pytest.param({"saas/models.py": _crlf(SEED.rstrip("\n"))}, id="crlf-no-final-newline"),
    pytest.param({"saas/models.py": b"\xef\xbb\xbf" + SEED.encode()}, id="bom"),
    pytest.param(
        {"saas/models.py": ("# -*- coding: latin-1 -*-\n# Caf\xe9\n" + SEED).encode("latin-1")},
        id="latin-1",
    ),
    pytest.param({"saas/models.py": FORM_FEED.encode()}, id="form-feed-is-not-a-line-break"),
    pytest.param(
        {
            "ecommerce/models.py": TWO_WAY["ecommerce/models.py"].rstrip("\n").encode(),
            "saas/models.py": _crlf(TWO_WAY["saas/models.py"]),
        },
        id="several-files",
    ),
]


def _tree(root: Path, files: Mapping[str, bytes]) -> Path:
    write_project(root, BASE_PROJECT)
    for relpath, content in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_bytes(content)
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*.py"))
        if ".git" not in p.parts
    }


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "codemods.fix_relationships", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def _apply(cwd: Path, command: list[str], diff: bytes) -> None:
    done = subprocess.run(command, cwd=cwd, input=diff, capture_output=True, timeout=60)
    assert done.returncode == 0, (done.stdout + done.stderr).decode(errors="replace")


@pytest.mark.parametrize("files", CASES)
def test_diff_applies_to_the_real_runs_bytes(tmp_path: Path, files: Mapping[str, bytes]) -> None:
    shown = _tree(tmp_path / "shown", files)
    before = _snapshot(shown)
    result = _cli(shown, "--diff", ".")
    assert result.returncode == 1, result.stderr
    assert _snapshot(shown) == before  # --diff writes nothing
    diff = result.stdout

    real = _tree(tmp_path / "real", files)
    assert _cli(real, ".").returncode == 1
    expected = _snapshot(real)
    assert expected != before

    with_patch = shutil.copytree(shown, tmp_path / "patch")
    _apply(with_patch, ["patch", "-p0", "--batch", "--no-backup-if-mismatch"], diff)
    assert _snapshot(with_patch) == expected

    with_git = shutil.copytree(shown, tmp_path / "git")
    subprocess.run(["git", "init", "-q"], cwd=with_git, check=True)
    _apply(with_git, ["git", "apply", "--whitespace=nowarn", "-"], diff)
    assert _snapshot(with_git) == expected


def test_no_newline_marker_follows_a_last_line_without_newline(tmp_path: Path) -> None:
    shown = _tree(tmp_path, {"saas/models.py": SEED.rstrip("\n").encode()})
    diff = _cli(shown, "--diff", "saas/models.py").stdout.decode()
    assert diff.startswith("--- ./saas/models.py\n+++ ./saas/models.py\n@@ ")
    assert diff.endswith('"usage_events")\n\\ No newline at end of file\n')
    assert diff.count("\\ No newline at end of file\n") == 2  # the old last line and the new
