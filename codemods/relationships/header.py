"""The part of a module that import edits can touch: its leading statements up to the last
top-level import or `if TYPE_CHECKING:` block. LibCST parses only this part, so a 10 MB module
costs what its import block costs; the rest of the text is kept as it is.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from .scan import is_type_checking_test
from .sources import SourceText

_INDENT = re.compile(r"^[ \t]+(?=\S)", re.M)
_DEF_OR_CLASS = re.compile(r"(?:class|def|async\s+def|@)\b|@")


class HeaderParseError(Exception):
    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


@dataclass(frozen=True)
class Split:
    head: str
    rest: str


def _touchable(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(stmt, ast.If) and is_type_checking_test(stmt.test):
        return True
    return isinstance(stmt, ast.Try) and all(
        isinstance(s, (ast.Import, ast.ImportFrom)) for s in stmt.body
    )


def split_header(tree: ast.Module, source: SourceText) -> Split:
    body = tree.body
    count = (
        1
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
        else 0
    )
    for index, stmt in enumerate(body):
        if _touchable(stmt):
            count = max(count, index + 1)
    if count == 0:
        return Split("", source.text)
    last_line = body[count - 1].end_lineno or body[count - 1].lineno
    cut = source.line_starts[last_line] if last_line < len(source.line_starts) else len(source.text)
    return Split(source.text[:cut], source.text[cut:])


def default_indent(text: str) -> str:
    found = _INDENT.search(text)
    return found.group(0) if found else "    "


def join(split: Split, new_head: str, newline: str) -> str:
    """The edited head and the untouched rest, set apart by blank lines if the head now ends anew."""
    rest = split.rest
    old_last = split.head.rstrip("\r\n").rpartition("\n")[2]
    new_last = new_head.rstrip("\r\n").rpartition("\n")[2]
    first = rest.lstrip(" \t")
    if rest and new_last != old_last and first[:1] not in ("\r", "\n"):
        blank = 2 if _DEF_OR_CLASS.match(first) else 1
        rest = newline * blank + rest
    return new_head + rest
