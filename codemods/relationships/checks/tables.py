"""`secondary="t"` names a table of the project: a `Table("t", ...)` (or `schema.t`) or a mapped
class's `__tablename__`.

tags = relationship("Tag", secondary="post_tag")   # the project defines Table("post_tags", ...)
 -> FR505 broken: Post.tags: secondary="post_tag": no table post_tag in the project; did you mean post_tags?
"""

from __future__ import annotations

import difflib
import re

from ..findings import BROKEN, Finding
from ..model_facts import Relationship
from ..model_view import ModelView
from . import Candidate

# Anything else (`"Post.__table__"`, `"and_(...)"`) is an expression SQLAlchemy evaluates.
_PLAIN = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?\Z")


def check_secondary(rel: Relationship, view: ModelView) -> list[Candidate]:
    if rel.secondary is None or not _PLAIN.match(rel.secondary.value):
        return []
    owner = view.model(rel.file, rel.owner)
    line = view.lineage(owner) if owner else None
    if line is None or not line.mapped or line.named_tables:
        return []  # Flask-SQLAlchemy names the tables of classes without __tablename__
    value = rel.secondary.value
    name = value.rpartition(".")[2]
    local = view.facts(rel.file)
    if local is not None and name in local.tables:
        return []
    if view.text.names_table(name):
        return []  # quoted where tables are defined: most likely one of them
    tables = view.tables()
    if tables.any_table or name in tables.tables or view.project.files_defining(name):
        return []
    close = difflib.get_close_matches(name, sorted(tables.tables), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    message = f'{rel.owner}.{rel.attr}: secondary="{value}": no table {name} in the project{hint}'
    finding = Finding(rel.file, rel.line, rel.col, BROKEN, message, "FR505")
    return [Candidate(finding, tables=True)]
