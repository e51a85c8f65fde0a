"""The last check before writing: the new source parses, and its syntax tree equals the old one
but for the rewritten strings and the intended imports (and any `if TYPE_CHECKING:` they need).

Black refuses to write a file whose tree changed in a way it did not intend; so do we. The new
source is not compiled to bytecode: CPython's code generator takes minutes on a 10 MB module,
and a tree equal to a compilable one but for a string's value and module-level `from` imports
compiles wherever the old one did.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterable
from typing import Optional

from .scan import is_type_checking_test
from .sources import parse_python

ImportKey = tuple[str, str, int, str, Optional[str], bool]
_NEWLINE = re.compile(r"\r\n|\r|\n")


def _import_keys(stmt: ast.stmt, type_checking: bool) -> Iterable[ImportKey]:
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            yield ("import", alias.name, 0, "", alias.asname, type_checking)
    elif isinstance(stmt, ast.ImportFrom):
        for alias in stmt.names:
            yield ("from", stmt.module or "", stmt.level, alias.name, alias.asname, type_checking)


def _split(tree: ast.Module) -> tuple[Counter[ImportKey], list[ast.stmt]]:
    """The module's top-level imports (also those under TYPE_CHECKING), and its other statements."""
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
                rest.append(ast.copy_location(ast.If(stmt.test, kept, stmt.orelse), stmt))
        else:
            rest.append(stmt)
    for key in [k for k in imports if k[3] == "TYPE_CHECKING"]:
        del imports[key]  # created or dropped along with a TYPE_CHECKING block
    return imports, rest


def _lines(stmt: ast.stmt) -> tuple[int, int]:
    decorators = getattr(stmt, "decorator_list", [])
    start = min([stmt.lineno, *(d.lineno for d in decorators)])
    return start, stmt.end_lineno or stmt.lineno


Swap = tuple[ast.AST, str, ast.AST, ast.AST]


def _replace(parent: ast.AST, field: str, old: ast.AST, new: ast.AST) -> None:
    value = getattr(parent, field)
    if isinstance(value, list):
        value[value.index(old)] = new
    else:
        setattr(parent, field, new)


def _swap_chains(
    tree: ast.Module, chains: dict[tuple[int, int, int, int], tuple[int, int, str]]
) -> list[Swap]:
    """In `tree`, replace the first names of each rewritten chain by the one name they became."""
    swapped: list[Swap] = []
    if not chains:
        return swapped
    for node in list(ast.walk(tree)):
        for field, value in ast.iter_fields(node):
            for child in value if isinstance(value, list) else [value]:
                if not isinstance(child, ast.Attribute):
                    continue
                key = (
                    child.lineno,
                    child.col_offset,
                    child.end_lineno or 0,
                    child.end_col_offset or 0,
                )
                if key not in chains:
                    continue
                total, replaced, name = chains[key]
                parent: ast.AST = node
                parent_field = field
                prefix: ast.expr = child
                for _ in range(total - replaced):
                    assert isinstance(prefix, ast.Attribute)
                    parent, parent_field, prefix = prefix, "value", prefix.value
                new = ast.Name(id=name, ctx=ast.Load())
                _replace(parent, parent_field, prefix, new)
                swapped.append((parent, parent_field, prefix, new))
    return swapped


def _same_statements(
    expected: list[ast.stmt],
    old_lines: list[str],
    new: list[ast.stmt],
    new_lines: list[str],
    edited: set[int],
) -> bool:
    """Compared one statement at a time; a statement whose text is unchanged (and holds no
    rewritten string) parses to the same tree, so only the others are dumped and compared."""
    if len(expected) != len(new):
        return False
    for old_stmt, new_stmt in zip(expected, new):
        old_start, old_end = _lines(old_stmt)
        new_start, new_end = _lines(new_stmt)
        same_text = old_lines[old_start - 1 : old_end] == new_lines[new_start - 1 : new_end]
        if same_text and not any(old_start <= line <= old_end for line in edited):
            continue
        if ast.dump(old_stmt) != ast.dump(new_stmt):
            return False
    return True


def unintended_change(
    old_tree: ast.Module,
    old_text: str,
    new_text: str,
    strings: dict[tuple[int, int], str],
    added: Iterable[tuple[str, str, bool]],
    dropped_type_checking: Iterable[str],
    chains: Optional[dict[tuple[int, int, int, int], tuple[int, int, str]]] = None,
    modules: Iterable[ImportKey] = (),
) -> Optional[str]:
    """Why the new source is not the old one plus the intended edits; None if it is exactly that.

    `strings` maps the (line, column) of each rewritten constant to its new value; `added` lists
    (module as written, name, under TYPE_CHECKING) of each import meant to be added; `chains`
    maps the position of each rewritten chain of code (an unquoted annotation) to its number of
    names, how many of them became one name, and that name; `modules` are the module imports
    added (`import a.b as _b`), at the top or after the class definitions.
    """
    try:
        new_tree = parse_python(new_text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return f"the rewritten source does not parse ({type(exc).__name__}: {exc})"
    edited = {line for line, _ in strings}
    patched = [
        node
        for stmt in old_tree.body
        if any(_lines(stmt)[0] <= line <= _lines(stmt)[1] for line in edited)
        for node in ast.walk(stmt)
        if isinstance(node, ast.Constant) and (node.lineno, node.col_offset) in strings
    ]
    originals = [(node, node.value) for node in patched]
    swapped = _swap_chains(old_tree, chains or {})
    edited |= {position[0] for position in chains or {}}
    try:
        for node in patched:
            node.value = strings[(node.lineno, node.col_offset)]
        expected_imports, expected_rest = _split(old_tree)
        new_imports, new_rest = _split(new_tree)
        same = _same_statements(
            expected_rest, _NEWLINE.split(old_text), new_rest, _NEWLINE.split(new_text), edited
        )
    finally:
        for node, original in originals:
            node.value = original
        for parent, field, before, after in reversed(swapped):
            _replace(parent, field, after, before)
    if not same:
        return "the rewrite changed code other than the relationship targets and imports"
    for module, name, type_checking in added:
        level = len(module) - len(module.lstrip("."))
        expected_imports[("from", module.lstrip("."), level, name, None, type_checking)] += 1
    expected_imports.update(modules)
    dropped = set(dropped_type_checking)
    for key in list(expected_imports):
        if key[5] and (key[4] or key[3]) in dropped:
            del expected_imports[key]
    if +expected_imports != +new_imports:
        return "the rewrite changed imports other than the ones it meant to add or move"
    return None
