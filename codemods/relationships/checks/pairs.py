"""Both sides of a relationship: `back_populates` names a relationship of the target that points
back, and a `backref` name is free on the target.

class UsageEvent(Base):
    subscription = relationship("Subscription", back_populates="usage_event")
 -> FR501 broken: UsageEvent.subscription: back_populates="usage_event": Subscription has no attribute
    usage_event; did you mean usage_events?
"""

from __future__ import annotations

import difflib
from typing import NamedTuple, Optional

from ..findings import BROKEN, SKIPPED, Finding
from ..model_facts import COLUMN, DECLARED, MAPPED, RELATIONSHIP, ModelClass, Relationship
from ..model_view import Lineage, ModelView
from . import Candidate


class Definition(NamedTuple):
    kind: str
    cls: ModelClass
    relationship: Optional[Relationship]


class Sides(NamedTuple):
    owner: Lineage
    target: Lineage


def _sides(rel: Relationship, view: ModelView) -> Optional[Sides]:
    """Both ends of a relationship that SQLAlchemy really configures, or None."""
    owner = view.model(rel.file, rel.owner)
    target = view.target_of(rel)
    if owner is None or target is None:
        return None
    owner_line, target_line = view.lineage(owner), view.lineage(target)
    if owner_line is None or target_line is None:
        return None
    if not (owner_line.mapped and target_line.mapped):
        return None
    return Sides(owner_line, target_line)


def definitions(line: Lineage, name: str) -> list[Definition]:
    """Where `name` is defined for the class: its own body, else its ancestors. An unmapped
    ancestor's (a mixin's) relationship or annotation becomes DECLARED: it is copied at runtime."""
    own = line.cls.attrs.get(name)
    if own is not None:
        return [Definition(own.kind, line.cls, own.relationship)]
    found = []
    for cls, mapped in line.ancestors:
        attr = cls.attrs.get(name)
        if attr is not None:
            kind = attr.kind if mapped or attr.kind == COLUMN else DECLARED
            found.append(Definition(kind, cls, attr.relationship if mapped else None))
    return found


def _one(defs: list[Definition]) -> Optional[Definition]:
    kinds = {d.kind for d in defs}
    return defs[0] if len(kinds) == 1 and (len(defs) == 1 or kinds != {RELATIONSHIP}) else None


def _names(*lines: Lineage) -> frozenset[str]:
    return frozenset(c.name for line in lines for c in (line.cls, *(a for a, _ in line.ancestors)))


def _finding(rel: Relationship, code: str, what: str, message: str) -> Finding:
    return Finding(
        rel.file, rel.line, rel.col, BROKEN, f"{rel.owner}.{rel.attr}: {what}: {message}", code
    )


def _skipped(rel: Relationship, what: str, line: Lineage) -> list[Candidate]:
    message = f"{rel.owner}.{rel.attr}: {what} not checked: {line.cls.name}: {line.opaque}"
    return [Candidate(Finding(rel.file, rel.line, rel.col, SKIPPED, message, "FR314"))]


def check_back_populates(rel: Relationship, view: ModelView) -> list[Candidate]:
    sides = _sides(rel, view) if rel.back_populates else None
    if sides is None or rel.back_populates is None:
        return []
    name, target = rel.back_populates.value, sides.target
    what = f'back_populates="{name}"'
    if target.opaque:
        return _skipped(rel, what, target)
    defs = definitions(target, name)
    if not defs:
        return _missing(rel, view, sides, name, what)
    found = _one(defs)
    if found is None:
        return []
    if found.kind == COLUMN:
        message = f"{found.cls.name}.{name} is not a relationship"
        return [Candidate(_finding(rel, "FR502", what, message), _names(*sides))]
    if found.kind == RELATIONSHIP and found.relationship is not None:
        return _points_back(rel, view, sides, found.relationship, what)
    return []


def _missing(
    rel: Relationship, view: ModelView, sides: Sides, name: str, what: str
) -> list[Candidate]:
    if view.text.backref_may_make(name):
        return []  # which class a backref lands on is for the backref's own check to say
    target = sides.target
    known = set(target.cls.attrs)
    for cls, _ in target.ancestors:
        known.update(cls.attrs)
    known.update(view.text.backref_files())
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    message = f"{target.cls.name} has no attribute {name}{hint}"
    return [Candidate(_finding(rel, "FR501", what, message), _names(*sides))]


def _points_back(
    rel: Relationship, view: ModelView, sides: Sides, other: Relationship, what: str
) -> list[Candidate]:
    other_target = view.target_of(other)
    other_line = view.lineage(other_target) if other_target else None
    if other_line is None or not other_line.mapped or other_line.opaque:
        return []
    if sides.owner.opaque:
        return _skipped(rel, what, sides.owner)
    if other_line.root is None or sides.owner.root is None or other_line.root == sides.owner.root:
        return []
    message = (
        f"{other.owner}.{other.attr} is a relationship to {other_line.cls.name}, not to {rel.owner}"
    )
    return [Candidate(_finding(rel, "FR503", what, message), _names(*sides, other_line))]


def check_backref(rel: Relationship, view: ModelView) -> list[Candidate]:
    sides = _sides(rel, view) if rel.backref else None
    if sides is None or rel.backref is None:
        return []
    name, target = rel.backref.value, sides.target
    what = f'backref="{name}"'
    if target.opaque:
        return _skipped(rel, what, target)
    existing = [d for d in definitions(target, name) if d.kind in (RELATIONSHIP, COLUMN, MAPPED)]
    if existing and len(existing) == len(definitions(target, name)):
        where = existing[0].cls
        line = where.attrs[name].line
        message = f"{target.cls.name} already has an attribute {name} ({where.file}:{line})"
        return [Candidate(_finding(rel, "FR504", what, message), _names(target))]
    return _duplicate(rel, view, target, name, what)


def _duplicate(
    rel: Relationship, view: ModelView, target: Lineage, name: str, what: str
) -> list[Candidate]:
    same = []
    for other in view.backrefs(name, target.cls.name):
        sides = _sides(other, view)
        if sides is not None and sides.target.cls is target.cls:
            same.append(other)
    same.sort(key=lambda r: (r.file, r.line, r.col))
    if len(same) < 2 or same[0] is rel or rel not in same:
        return []
    first = same[0]
    message = (
        f"{target.cls.name}.{name} is already made by the backref of "
        f"{first.owner}.{first.attr} ({first.file}:{first.line})"
    )
    return [Candidate(_finding(rel, "FR504", what, message), _names(target))]
