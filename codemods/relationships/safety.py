"""The last check before writing: the new source parses, and its syntax tree equals the old one
but for the rewritten strings and the intended imports (and any `if TYPE_CHECKING:` they need).

Black refuses to write a file whose tree changed in a way it did not intend; so do we.
"""

from __future__ import annotations

import ast
import copy
from collections import Counter
from collections.abc import Iterable
from typing import Optional

from .scan import is_type_checking_test

ImportKey = tuple[str, str, int, str, Optional[str], bool]


def _import_keys(stmt: ast.stmt, type_checking: bool) -> Iterable[ImportKey]:
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            yield ("import", alias.name, 0, "", alias.asname, type_checking)
    elif isinstance(stmt, ast.ImportFrom):
        for alias in stmt.names:
            yield ("from", stmt.module or "", stmt.level, alias.name, alias.asname, type_checking)


def _split(tree: ast.Module) -> tuple[Counter[ImportKey], str]:
    """The module's top-level imports (also those under TYPE_CHECKING), and a dump of the rest."""
    imports: Counter[ImportKey] = Counter()
    rest: list[ast.stmt] = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            imports.update(_import_keys(stmt, False))
        elif isinstance(stmt, ast.If) and is_type_checking_test(stmt.test):
            kept = []
            for inner in stmt.body:
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    imports.update(_import_keys(inner, True))
                elif not isinstance(inner, ast.Pass):
                    kept.append(inner)
            if kept or stmt.orelse:
                rest.append(ast.If(test=stmt.test, body=kept, orelse=stmt.orelse))
        else:
            rest.append(stmt)
    for key in [k for k in imports if k[3] == "TYPE_CHECKING"]:
        del imports[key]  # created or dropped along with a TYPE_CHECKING block
    return imports, ast.dump(ast.Module(body=rest, type_ignores=[]))


def unintended_change(
    old_tree: ast.Module,
    new_text: str,
    strings: dict[tuple[int, int], str],
    added: Iterable[tuple[str, str, bool]],
    dropped_type_checking: Iterable[str],
) -> Optional[str]:
    """Why the new source is not the old one plus the intended edits; None if it is exactly that.

    `strings` maps the (line, column) of each rewritten constant to its new value; `added` lists
    (module as written, name, under TYPE_CHECKING) of each import meant to be added.
    """
    try:
        new_tree = ast.parse(new_text)
        compile(new_tree, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return f"the rewritten source does not compile ({type(exc).__name__}: {exc})"
    expected_tree = copy.deepcopy(old_tree)
    for node in ast.walk(expected_tree):
        if isinstance(node, ast.Constant) and (node.lineno, node.col_offset) in strings:
            node.value = strings[(node.lineno, node.col_offset)]
    expected_imports, expected_rest = _split(expected_tree)
    new_imports, new_rest = _split(new_tree)
    if expected_rest != new_rest:
        return "the rewrite changed code other than the relationship targets and imports"
    for module, name, type_checking in added:
        level = len(module) - len(module.lstrip("."))
        expected_imports[("from", module.lstrip("."), level, name, None, type_checking)] += 1
    dropped = set(dropped_type_checking)
    for key in list(expected_imports):
        if key[5] and (key[4] or key[3]) in dropped:
            del expected_imports[key]
    if +expected_imports != +new_imports:
        return "the rewrite changed imports other than the ones it meant to add or move"
    return None
