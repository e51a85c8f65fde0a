"""What the project's text says about its classes beyond their class bodies, read only when a
check is about to report: attributes added from outside, the names backrefs make, reflection.

Subscription.usage_events = relationship(...)      ->  Subscription is patched: say nothing
backref=f"{cls.__tablename__}_items"                ->  some backref name is computed
metadata.reflect(engine)                            ->  the tables are not all in the text
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple, Optional

from .project import Project

_BACKREF_NAME = re.compile(r"""\bbackref\s*[=(]\s*['"]([^'"\\]*)['"]""")
# `backref=<not a literal>` or `backref(<not a literal>`, other than `backref=backref("x")`.
_COMPUTED_BACKREF = re.compile(r"""\bbackref\s*(?:=\s*(?!['"]|backref\s*\()|\(\s*(?!['"]))""")
_REFLECTION = ("autoload", "reflect(", "automap", "DeferredReflection")


class Unseen(NamedTuple):
    patched: frozenset[str]  # class names that get attributes from outside their class bodies
    reflects: bool  # some tables come from the database, not from the text


class ProjectText:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._backref_names: Optional[frozenset[str]] = None
        self._computed = False

    def _text(self, file: str) -> Optional[str]:
        try:
            return self.project.read(file).decode("utf-8", "replace")
        except OSError:
            return None

    def backref_may_make(self, name: str) -> bool:
        """Whether a backref anywhere (a class body, a `@declared_attr` function, a late
        assignment) may make an attribute `name`: it names it, or its name is computed."""
        if self._backref_names is None:
            names: set[str] = set()
            for file in self.project.files_mentioning("backref"):
                text = self._text(file)
                if text is None or _COMPUTED_BACKREF.search(text):
                    self._computed = True
                names.update(_BACKREF_NAME.findall(text or ""))
            self._backref_names = frozenset(names)
        return self._computed or name in self._backref_names

    def unseen(self, classes: Iterable[str]) -> Unseen:
        """One pass over every file of the project: which of these classes get attributes from
        outside their class bodies (`Cls.x = ...`, `setattr(Cls, ...)`, `add_property` in a
        file that names `Cls`), and whether any table is reflected."""
        wanted = sorted(set(classes))
        alt = "|".join(re.escape(n) for n in wanted) or r"(?!)"
        assigned = re.compile(
            rf"\b({alt})\s*\.\s*\w+\s*(?::[^=\n]*)?=(?!=)|setattr\(\s*(?:[\w.]+\.)?({alt})\b"
        )
        mentioned = re.compile(rf"\b({alt})\b")
        found: set[str] = set()
        reflects = False
        for file in self.project.files:
            text = self._text(file)
            if text is None:
                return Unseen(frozenset(wanted), True)
            reflects = reflects or any(word in text for word in _REFLECTION)
            if not wanted:
                continue
            for match in assigned.finditer(text):
                found.update(g for g in match.groups() if g)
            if "add_property" in text:  # on a mapper got by any means: inspect(), class_mapper()
                found.update(mentioned.findall(text))
        return Unseen(frozenset(found), reflects)
