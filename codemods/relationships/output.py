"""The findings of a run in each `--output-format`: full, concise, json, github, sarif.

full     saas/models.py:11:33: FR201 broken: "ecommerce.models.Subscriptoin": no class ...
concise  saas/models.py:11:33: FR201 "ecommerce.models.Subscriptoin": no class ...
json     [{"code": "FR201", "message": "...", "filename": "saas/models.py", "row": 11, ...}]
github   ::error file=saas/models.py,line=11,col=33,title=FR201::"ecommerce.models...": ...
sarif    {"version": "2.1.0", "runs": [{"tool": ..., "results": [{"ruleId": "FR201", ...}]}]}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable

from .findings import SKIPPED, WARNING, Finding

FULL, CONCISE, JSON, GITHUB, SARIF = "full", "concise", "json", "github", "sarif"
FORMATS = (FULL, CONCISE, JSON, GITHUB, SARIF)
DOCUMENTS = (JSON, SARIF)  # one document for the whole run, not a line per finding
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(findings: Sequence[Finding], fmt: str) -> str:
    """The text to print for `findings`: lines ending in a newline, or one JSON document."""
    if fmt in (JSON, SARIF):
        import json  # here: a commit printing lines never pays for it

    if fmt == JSON:
        return json.dumps([_json(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
    if fmt == SARIF:
        return json.dumps(_sarif(findings), indent=2, ensure_ascii=False) + "\n"
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


def _sarif(findings: Sequence[Finding]) -> dict[str, Any]:
    """SARIF 2.1.0, as code-scanning services read it: one run, a rule per code used."""
    from .codes import BY_CODE

    used = sorted({f.code for f in findings})
    rules = [
        {
            "id": code,
            "shortDescription": {"text": BY_CODE[code].summary if code in BY_CODE else code},
        }
        for code in used
    ]
    return {
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [
            {
                "tool": {"driver": {"name": "fix-relationships", "rules": rules}},
                "results": [_sarif_result(f, used.index(f.code)) for f in findings],
            }
        ],
    }


def _sarif_result(finding: Finding, rule_index: int) -> dict[str, Any]:
    level = {WARNING: "warning", SKIPPED: "note"}.get(finding.kind, "error")
    region = {"startLine": finding.line, "startColumn": finding.col} if finding.line else {}
    location: dict[str, Any] = {"artifactLocation": {"uri": finding.path}}
    if region:
        location["region"] = region
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": location}],
    }
