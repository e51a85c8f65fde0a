"""What the project's text says beyond its class bodies, read lazily from raw text: the names
backrefs make (in class bodies, `@declared_attr` functions or late assignments alike), the
strings where tables are defined, and, only when a check is about to report, attributes added
from outside a class and reflected tables.

Subscription.usage_events = relationship(...)      ->  Subscription is patched: say nothing
backref=f"{cls.__tablename__}_items"                ->  some backref name is computed
metadata.reflect(engine)                            ->  the tables are not all in the text
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple, Optional

from .project import Project

_BACKREF_NAME = re.compile(r"""\bbackref\s*[=(]\s*['"]([^'"\\]*)['"]""")
# `backref=<not a literal>` or `backref(<not a literal>`, but for `backref=db.backref("x")`.
_COMPUTED_BACKREF = re.compile(
    r"""\bbackref\s*(?:=\s*(?!['"]|(?:\w+\.)*backref\s*\()|\(\s*(?!['"]))"""
)
_WORD = re.compile(r"\w+")
_QUOTED_NAME = re.compile(r"""['"]([A-Za-z_][\w.]*)['"]""")
_SECONDARY_BEFORE = re.compile(r"secondary\s*=\s*$")
_REFLECTION = ("autoload", "reflect(", "automap", "DeferredReflection")


class Unseen(NamedTuple):
    patched: frozenset[str]  # class names that get attributes from outside their class bodies
    reflects: bool  # some tables come from the database, not from the text


class ProjectText:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._backref_files: Optional[dict[str, list[str]]] = None
        self._words: dict[str, frozenset[str]] = {}
        self._computed = False
        self._table_strings: Optional[frozenset[str]] = None
        self._computed_tables = False

    def _text(self, file: str) -> Optional[str]:
        try:
            return self.project.read(file).decode("utf-8", "replace")
        except OSError:
            return None

    def backref_files(self) -> dict[str, list[str]]:
        """Each name a backref literally makes, with the files that name it."""
        if self._backref_files is None:
            self._backref_files = {}
            for file in self.project.files_mentioning("backref"):
                text = self._text(file)
                if text is None or _COMPUTED_BACKREF.search(text):
                    self._computed = True
                self._words[file] = frozenset(_WORD.findall(text or ""))
                for name in dict.fromkeys(_BACKREF_NAME.findall(text or "")):
                    self._backref_files.setdefault(name, []).append(file)
        return self._backref_files

    def backref_may_make(self, name: str) -> bool:
        """Whether a backref anywhere (a class body, a `@declared_attr` function, a late
        assignment) may make an attribute `name`: it names it, or its name is computed."""
        return name in self.backref_files() or self._computed

    def backref_files_naming(self, name: str, word: str) -> list[str]:
        """The files whose backrefs make `name` and whose text holds the identifier `word`."""
        files = self.backref_files().get(name, [])
        return [f for f in files if word in self._words[f]]

    def names_table(self, name: str) -> bool:
        """Whether a file that defines tables holds the string `"name"` other than as a
        `secondary=` argument (so most likely defines that table)."""
        if self._table_strings is None:
            found: set[str] = set()
            files = {*self.project.files_mentioning("Table")}
            files.update(self.project.files_mentioning("__tablename__"))
            for file in sorted(files):
                text = self._text(file)
                if text is None:
                    self._computed_tables = True
                found.update(_table_strings(text or ""))
            self._table_strings = frozenset(found)
        return self._computed_tables or name in self._table_strings

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


def _table_strings(text: str) -> Iterator[str]:
    """The quoted names of a text, but for `secondary=` arguments (the names being checked)."""
    for match in _QUOTED_NAME.finditer(text):
        if not _SECONDARY_BEFORE.search(text, max(0, match.start() - 40), match.start()):
            yield match.group(1)
