"""The findings of a run in each `--output-format`: full, concise, json, github.

full     saas/models.py:11:33: FR201 broken: "ecommerce.models.Subscriptoin": no class ...
concise  saas/models.py:11:33: FR201 "ecommerce.models.Subscriptoin": no class ...
json     [{"code": "FR201", "message": "...", "filename": "saas/models.py", "row": 11, ...}]
github   ::error file=saas/models.py,line=11,col=33,title=FR201::"ecommerce.models...": ...
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Callable

from .findings import SKIPPED, WARNING, Finding

FULL, CONCISE, JSON, GITHUB = "full", "concise", "json", "github"
FORMATS = (FULL, CONCISE, JSON, GITHUB)


def render(findings: Sequence[Finding], fmt: str) -> str:
    """The text to print for `findings`: lines ending in a newline, or one JSON document."""
    if fmt == JSON:
        return json.dumps([_json(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
    line: Callable[[Finding], str] = {FULL: Finding.format, CONCISE: _concise, GITHUB: _github}[fmt]
    return "".join(line(f) + "\n" for f in findings)


def _concise(finding: Finding) -> str:
    return f"{finding.where()}: {finding.code} {finding.message}"


def _json(finding: Finding) -> dict[str, Any]:
    record: dict[str, Any] = {
        "code": finding.code,
        "kind": finding.kind,
        "message": finding.message,
        "filename": finding.path,
        "row": finding.line or None,
        "column": finding.col or None,
    }
    if finding.fix is not None:
        record["fix"] = finding.fix._asdict()
    return record


def _github(finding: Finding) -> str:
    level = "warning" if finding.kind in (WARNING, SKIPPED) else "error"
    where = [f"file={_property(finding.path)}"]
    if finding.line:
        where += [f"line={finding.line}", f"col={finding.col}"]
    properties = ",".join([*where, f"title={finding.code}"])
    return f"::{level} {properties}::{_data(finding.message)}"


def _data(text: str) -> str:
    # GitHub's workflow-command escaping (the runner's `escapeData` / `escapeProperty`).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
