"""The one table of finding codes: every kind of finding the tool reports has a stable code.

FR1xx rewrites and registrations, FR2xx broken references, FR3xx left alone (listed with -v),
FR4xx warnings, FR5xx relationship checks (both sides of a relationship), FR9xx errors.
"""

from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    code: str
    kind: str  # the finding kind it belongs to (findings.py)
    summary: str


CODES: tuple[Code, ...] = (
    Code("FR101", "rewrite", "dotted target rewritten to the bare class name"),
    Code("FR102", "rewrite", "import added so that the target's class is registered"),
    Code("FR103", "rewrite", "late registration import added after the class definitions (cycle)"),
    Code("FR201", "broken", "dotted path: the module defines no such class"),
    Code("FR202", "broken", "bare name: no class of that name in the project"),
    Code("FR203", "broken", "bare name: several mapped classes of that name in one registry"),
    Code("FR204", "broken", "dotted path into a project package names no module of it"),
    Code(
        "FR301", "skipped", "another class of that name may be mapped: the bare name is ambiguous"
    ),
    Code("FR302", "skipped", "the name is already bound to something else here"),
    Code("FR303", "skipped", "the path points outside the project"),
    Code("FR304", "skipped", "not one plain string literal"),
    Code("FR305", "skipped", "ignored by a comment"),
    Code("FR306", "skipped", "the module is imported under two names in the project"),
    Code("FR307", "skipped", "an import would load a second definition or change which one wins"),
    Code("FR308", "skipped", "no import root reaches the target"),
    Code("FR309", "skipped", "left dotted with the rest of its relationship"),
    Code("FR310", "skipped", "a file that may define the target cannot be parsed"),
    Code("FR311", "skipped", "the path matches classes in several modules"),
    Code(
        "FR312", "skipped", "bare name: cannot tell which class it is (star import, nested class)"
    ),
    Code(
        "FR313", "skipped", "import-placement is type-checking: registering is left to the project"
    ),
    Code(
        "FR314",
        "skipped",
        "relationship check not made: the tool cannot see every attribute of a class",
    ),
    Code("FR401", "warning", "no registration is provably safe in every import order: none added"),
    Code("FR402", "warning", "a file left alone (symlink outside the project, undecodable file)"),
    Code("FR501", "broken", "back_populates names no attribute of the target"),
    Code("FR502", "broken", "back_populates names an attribute that is not a relationship"),
    Code("FR503", "broken", "back_populates: the two sides do not point at each other"),
    Code("FR504", "broken", "backref name already exists on the target"),
    Code("FR505", "broken", "secondary names no table"),
    Code("FR901", "error", "a file cannot be read, decoded, parsed or written"),
    Code("FR902", "error", "internal error: the safety check refused the new source"),
    Code("FR903", "verify", "--verify: importing a module or configuring the mappers failed"),
)

BY_CODE = {c.code: c for c in CODES}
