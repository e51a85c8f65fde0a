"""Every back_populates, backref and secondary mistake of the given files, in one run.

SQLAlchemy stops at the first mapper that fails; this reads the project instead and reports
each mistake it can prove, naming both sides of the relationship.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Optional

from .checks import Candidate
from .checks.pairs import check_back_populates, check_backref
from .checks.tables import check_secondary
from .findings import BROKEN, SKIPPED, Finding
from .model_facts import FileFacts, Relationship
from .model_text import Unseen
from .model_view import ModelView
from .project import Project

_CHECKS = (check_back_populates, check_backref, check_secondary)


def check_relationships(
    project: Project, files: Sequence[str], known: Optional[Mapping[str, FileFacts]] = None
) -> list[Finding]:
    """Findings located in `files` (project keys), decided from the whole project; `known`:
    facts already read (from the files as they are now)."""
    view = ModelView(project, known)
    candidates: list[Candidate] = []
    for file in files:
        facts = view.facts(file) if file in project.file_set else None
        for cls in facts.classes.values() if facts else ():
            for rel in cls.relationships():
                candidates.extend(_check(rel, view))
    reports = [c for c in candidates if c.finding.kind == BROKEN]
    # Read the whole project's text once, and only when there is something to report.
    unseen = view.text.unseen(n for c in reports for n in c.classes) if reports else None
    findings = []
    for candidate in candidates:
        finding = candidate.finding
        reason = _unseen_reason(candidate, unseen) if unseen and finding.kind == BROKEN else None
        if reason:
            what = ": ".join(finding.message.split(": ", 2)[:2])
            message = f"{what} not checked: {reason}"
            finding = finding._replace(kind=SKIPPED, message=message, code="FR314")
        findings.append(finding)
    return sorted(findings, key=lambda f: (f.path, f.line, f.col, f.message))


def _check(rel: Relationship, view: ModelView) -> list[Candidate]:
    try:
        return [c for check in _CHECKS for c in check(rel, view)]
    except RecursionError:  # a pathologically deep expression: nothing provable about it
        return []


def _unseen_reason(candidate: Candidate, unseen: Unseen) -> Optional[str]:
    touched = sorted(candidate.classes & unseen.patched)
    if touched:
        return f"{touched[0]} gets attributes from outside its class body"
    if candidate.tables and unseen.reflects:
        return "the project reflects tables from the database"
    return None
