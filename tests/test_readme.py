"""The README's before/after example is the seed case of the rewrite table, so it cannot drift."""

from __future__ import annotations

import re

from project_helpers import REPO
from test_doctor import FOUR_DEFECTS_OUTPUT
from test_expressions import README_AFTER, README_BEFORE
from test_registration import LATE_ORDER, USER
from test_reports import REPORTS, UNSAFE_CYCLE_WARNING
from test_rewrites import SEED, SEED_FIXED


def _example(marker: str) -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {marker}[^>]*-->\n```python\n(.*?)```", readme, re.S)
    assert found, f"README has no `{marker}` example"
    return found.group(1)


def test_readme_example_is_the_seed_case() -> None:
    assert _example("before") == SEED
    assert _example("after") == SEED_FIXED


def test_readme_opens_with_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line for line in first_block.splitlines() if line and not line.startswith("#")]
    assert commands == [
        "bash scripts/demo.sh",
        'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest'
        " --slow",
    ]


def test_readme_expression_example_is_a_tested_case() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```python\n# before\n(.*?)# after\n(.*?)```", readme, re.S)
    assert found, "README has no before/after example for expression strings"
    assert found.group(1).splitlines() == README_BEFORE
    assert found.group(2).splitlines() == README_AFTER


def test_readme_example_output_is_the_four_defects_run() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    marker = (
        "<!-- example: doctor (tests/test_doctor.py, test_four_defects_in_one_run) -->\n```text\n"
    )
    assert marker in readme
    assert readme.split(marker, 1)[1].split("```", 1)[0] == FOUR_DEFECTS_OUTPUT


def _text_example(marker: str) -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {marker}[^>]*-->\n```text\n(.*?)```", readme, re.S)
    assert found, f"README has no `{marker}` example"
    return found.group(1).splitlines()


def test_readme_two_way_example_is_the_tested_fix() -> None:
    assert _example("two-way") == USER + LATE_ORDER


def test_readme_unsafe_cycle_warning_is_the_tested_one() -> None:
    assert _text_example("unsafe cycle") == [UNSAFE_CYCLE_WARNING]


def test_readme_report_examples_are_tested_reports() -> None:
    reports = {p.values[2] for p in REPORTS}
    shown = _text_example("reports")
    assert shown and set(shown) <= reports
