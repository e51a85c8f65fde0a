"""Late registration imports: after the module's class definitions, where an import cycle allows.

    class User(Base):                             class User(Base):
        orders = relationship("Order")      ->        orders = relationship("Order")


                                                  import app.models.order as _order  # noqa: E402, F401

When `user` is imported first, its classes exist before `order` runs its `from app.models.user
import User`; when `order` is imported first, `user`'s late import finds it in `sys.modules`.
The import goes at the end of the module, before a closing `if __name__ == "__main__":` block.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from .decisions import ModuleImport
from .sources import SourceText

_NEWLINE = re.compile(r"\r\n|\r|\n")


def _is_main_block(stmt: ast.stmt) -> bool:
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    left = stmt.test.left
    return isinstance(left, ast.Name) and left.id == "__name__"


def place_late_imports(tree: ast.Module, source: SourceText, late: Sequence[ModuleImport]) -> str:
    text = source.text
    found = _NEWLINE.search(text)
    newline = found.group(0) if found else "\n"
    lines = "".join(m.statement + newline for m in sorted(late, key=lambda m: m.module))
    body = tree.body
    if body and _is_main_block(body[-1]) and len(body) > 1:
        start = source.offset(body[-1].lineno, 0)
        return text[:start] + lines + newline + newline + text[start:]
    last = body[-1] if body else None
    blank = 2 if isinstance(last, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) else 1
    if not text:
        return lines
    if not text.endswith(("\n", "\r")):
        text += newline
    return text + newline * blank + lines
