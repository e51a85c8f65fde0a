"""--output-format: full, concise, json (checked against the keys the README documents), github."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from project_helpers import BASE_PROJECT, REPO, SEED, run_cli, write_project

from codemods.relationships.findings import ERROR, Finding
from codemods.relationships.output import render

BROKEN_PLANS = SEED.replace("models.Subscription", "models.Subscriptoin").replace(
    "UsageEvent", "PlanEvent"
)
OUTSIDE_LEGACY = SEED.replace("ecommerce.models", "vendor.models").replace("UsageEvent", "Old")
FILES = {
    **BASE_PROJECT,
    "saas/models.py": SEED,
    "saas/plans.py": BROKEN_PLANS,
    "saas/legacy.py": OUTSIDE_LEGACY,
}
REWRITE = '"ecommerce.models.Subscription" -> "Subscription" (import added: from ecommerce.models import Subscription)'
BROKEN = '"ecommerce.models.Subscriptoin": no class Subscriptoin is defined in ecommerce/models.py'
OUTSIDE = '"vendor.models.Subscription": no project module ends with vendor.models'


@pytest.fixture
def tree(project_dir: Path) -> Path:
    write_project(project_dir, FILES)
    return project_dir


LINES = [
    pytest.param(
        "full",
        [
            f"saas/legacy.py:11:33: FR303 left alone: {OUTSIDE}",
            f"saas/models.py:11:33: FR101 {REWRITE}",
            f"saas/plans.py:11:33: FR201 broken: {BROKEN}",
        ],
        id="full",
    ),
    pytest.param(
        "concise",
        [
            f"saas/legacy.py:11:33: FR303 {OUTSIDE}",
            f"saas/models.py:11:33: FR101 {REWRITE}",
            f"saas/plans.py:11:33: FR201 {BROKEN}",
        ],
        id="concise",
    ),
    pytest.param(
        "github",
        [
            f"::warning file=saas/legacy.py,line=11,col=33,title=FR303::{OUTSIDE}",
            f"::error file=saas/models.py,line=11,col=33,title=FR101::{REWRITE}",
            f"::error file=saas/plans.py,line=11,col=33,title=FR201::{BROKEN}",
        ],
        id="github",
    ),
]


@pytest.mark.parametrize(("fmt", "expected"), LINES)
def test_line_formats(tree: Path, fmt: str, expected: list[str]) -> None:
    result = run_cli(tree, "--check", "-v", "--output-format", fmt, "saas")
    assert result.returncode == 1
    assert result.stdout.splitlines() == expected
    assert result.stderr.splitlines()[-1].startswith("fix-relationships: 1 relationship")


def test_full_is_the_default(tree: Path) -> None:
    assert (
        run_cli(tree, "--check", "saas").stdout
        == run_cli(tree, "--check", "--output-format", "full", "saas").stdout
    )


def _documented_keys() -> dict[str, str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- json keys: tests/test_output.py -->\n", 1)[1].split("\n\n", 1)[0]
    return dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", table, re.M))


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer or null": (int, type(None)),
    "object, only for rewrites (`FR1xx`)": (dict,),
}


def _check_against_readme(record: dict[str, Any]) -> None:
    documented = _documented_keys()
    required = {k for k, t in documented.items() if "only for" not in t}
    assert required <= set(record) <= set(documented), record
    for key, value in record.items():
        assert isinstance(value, _TYPES[documented[key]]), (key, value)
    assert ("fix" in record) == record["code"].startswith("FR1")


def test_json_is_what_the_readme_documents(tree: Path) -> None:
    write_project(tree, {"saas/bad.py": "x = relationship('ecommerce.models.Plan'\n"})
    result = run_cli(tree, "--check", "-v", "--output-format", "json", "saas")
    assert result.returncode == 2
    records = json.loads(result.stdout)
    for record in records:
        _check_against_readme(record)
    by_file = {r["filename"]: r for r in records}
    assert by_file["saas/models.py"] == {
        "code": "FR101",
        "kind": "rewrite",
        "message": REWRITE,
        "filename": "saas/models.py",
        "row": 11,
        "column": 33,
        "fix": {
            "old": "ecommerce.models.Subscription",
            "new": "Subscription",
            "added_import": "from ecommerce.models import Subscription",
            "type_checking": False,
        },
    }
    assert by_file["saas/plans.py"]["code"] == "FR201"
    assert by_file["saas/legacy.py"]["kind"] == "skipped"
    assert (by_file["saas/bad.py"]["code"], by_file["saas/bad.py"]["row"]) == ("FR901", 1)


def test_json_with_nothing_found_is_an_empty_list(tree: Path) -> None:
    result = run_cli(tree, "--output-format", "json", "core")
    assert (result.returncode, json.loads(result.stdout)) == (0, [])


def test_json_with_verify_is_bad_usage(tree: Path) -> None:
    result = run_cli(tree, "--verify", "--output-format", "json")
    assert result.returncode == 2
    assert "--verify" in result.stderr
    assert (tree / "saas/models.py").read_text() == SEED


def test_github_escapes_what_would_end_a_command() -> None:
    finding = Finding("a,b:c.py", 0, 0, ERROR, "50% done\r\nnext", "FR901")
    assert render([finding], "github") == (
        "::error file=a%2Cb%3Ac.py,title=FR901::50%25 done%0D%0Anext\n"
    )


def test_sarif_results_point_at_the_findings(tree: Path) -> None:
    """SARIF 2.1.0 as code-scanning services read it: each finding a result whose rule is its
    code, the rules described from the code table, whole-file findings without a region."""
    write_project(tree, {"saas/bad.py": "x = relationship('ecommerce.models.Plan'\n"})
    result = run_cli(tree, "--check", "-v", "--output-format", "sarif", "saas")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert document["version"] == "2.1.0"
    [run] = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["FR101", "FR201", "FR303", "FR901"]
    assert rules[0]["shortDescription"]["text"] == "dotted target rewritten to the bare class name"
    by_file = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in run["results"]
    }
    rewrite = by_file["saas/models.py"]
    assert (rewrite["ruleId"], rewrite["level"], rewrite["message"]["text"]) == (
        "FR101",
        "error",
        REWRITE,
    )
    assert rewrite["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 11,
        "startColumn": 33,
    }
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert by_file["saas/legacy.py"]["level"] == "note"


def test_sarif_with_verify_is_bad_usage(tree: Path) -> None:
    result = run_cli(tree, "--verify", "--output-format", "sarif")
    assert result.returncode == 2
    assert (tree / "saas/models.py").read_text() == SEED
