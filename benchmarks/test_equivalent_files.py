from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from equivalent_files import equivalent_files, findings_of, shape_of
from make_tree import ensure_tree, scaled
from timing import environment

REPO = Path(__file__).resolve().parent.parent
SMALL = dataclasses.replace(scaled(150), module_kb=3.0, seed=3)
LARGE = dataclasses.replace(scaled(450, app_locality=0.8), module_kb=3.0, seed=4)


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        pytest.param(
            'src/a/models.py:3:9: FR101 "a.b.C" -> "C"\n',
            {"src/a/models.py": {"FR101": 1}},
            id="rewrite",
        ),
        pytest.param(
            'src/a/models.py:3:9: FR101 "a.b.C" -> "C" (registered by an import added: ...)\n'
            'src/a/models.py:9:9: FR101 "a.b.D" -> "D"\n',
            {"src/a/models.py": {"FR101 + import": 1, "FR101": 1}},
            id="rewrite-adding-an-import-is-its-own-kind",
        ),
        pytest.param(
            "Would rewrite src/a/models.py\nfix-relationships: 1 relationship target(s) ...\n",
            {},
            id="summary-lines-are-no-reports",
        ),
    ],
)
def test_findings_of(output: str, expected: dict[str, dict[str, int]]) -> None:
    assert findings_of(output) == {path: Counter(kinds) for path, kinds in expected.items()}


def _check(root: Path, *paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codemods.fix_relationships", "--check", *paths],
        cwd=root, env=environment(REPO), capture_output=True, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_the_files_picked_get_alike_reports(tmp_path: Path) -> None:
    """With the real tool's reports: both files fail the check, with the closest reports."""
    small, large = ensure_tree(SMALL, tmp_path / "small"), ensure_tree(LARGE, tmp_path / "large")
    reports = [findings_of(_check(tree.root, ".").stdout) for tree in (small, large)]
    small_path, large_path = equivalent_files(small, reports[0], large, reports[1])
    wanted = shape_of(small.root, small_path, reports[0])
    rewritten = [
        path
        for path in large.dotted_files
        if any(kind.startswith("FR1") for kind in reports[1].get(path, {}))
    ]
    distance = {p: shape_of(large.root, p, reports[1]).distance(wanted)[0] for p in rewritten}
    assert distance[large_path] == min(distance.values())
    assert _check(small.root, small_path).returncode == 1
    assert _check(large.root, large_path).returncode == 1
