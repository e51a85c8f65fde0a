"""Place imports in a LibCST module: merge, add, move out of `if TYPE_CHECKING:`, protect.

    from ecommerce.models import Plan        ->  from ecommerce.models import Plan, Subscription  # noqa: F401

The added names are used only inside strings, so each import that carries one is marked
`# noqa: F401`; otherwise `ruff --fix` would delete it and bring the mapper error back.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Optional, Union

import libcst as cst
from libcst.helpers import get_full_name_for_node

from .decisions import ImportEdits

NOQA = "# noqa: F401"
Statement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]


def _spec(node: cst.ImportFrom) -> str:
    dots = "." * len(node.relative)
    return dots + (get_full_name_for_node(node.module) or "" if node.module else "")


def _imports_of(stmt: cst.BaseStatement) -> list[Union[cst.Import, cst.ImportFrom]]:
    if isinstance(stmt, cst.SimpleStatementLine):
        return [s for s in stmt.body if isinstance(s, (cst.Import, cst.ImportFrom))]
    return []


def _is_import_line(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and len(_imports_of(stmt)) == len(stmt.body)


def is_type_checking_block(stmt: Statement) -> bool:
    if not isinstance(stmt, cst.If):
        return False
    test = stmt.test
    if isinstance(test, cst.Name):
        return test.value == "TYPE_CHECKING"
    return isinstance(test, cst.Attribute) and test.attr.value == "TYPE_CHECKING"


def _is_docstring(stmt: Statement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _header_import_end(body: Sequence[Statement]) -> int:
    """Index just after the last import of the module's leading import block."""
    index = 1 if body and _is_docstring(body[0]) else 0
    end = index
    while index < len(body):
        stmt = body[index]
        if _is_import_line(stmt):
            end = index + 1
        elif not (is_type_checking_block(stmt) or _is_import_try(stmt)):
            break
        index += 1
    return end


def _is_import_try(stmt: Statement) -> bool:
    if not (isinstance(stmt, cst.Try) and isinstance(stmt.body, cst.IndentedBlock)):
        return False
    return all(_is_import_line(s) for s in stmt.body.body)


def _future_end(body: Sequence[Statement]) -> int:
    index = 1 if body and _is_docstring(body[0]) else 0
    while index < len(body) and any(
        isinstance(i, cst.ImportFrom) and _spec(i) == "__future__" for i in _imports_of(body[index])
    ):
        index += 1
    return index


def with_noqa(trailing: cst.TrailingWhitespace) -> cst.TrailingWhitespace:
    comment = trailing.comment.value if trailing.comment else ""
    if _has_f401_noqa(comment):
        return trailing
    if not comment:
        new = NOQA
    elif comment.startswith("# noqa:"):
        new = f"{comment.rstrip()}, F401"
    else:
        new = f"{comment.rstrip()}  {NOQA}"
    return trailing.with_changes(whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(new))


def _has_f401_noqa(comment: str) -> bool:
    for part in comment.split("#")[1:]:
        text = part.strip()
        if text == "noqa" or (text.startswith("noqa:") and "F401" in text):
            return True
    return False


def _alias_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return get_full_name_for_node(alias.name) or ""


def _multiline(node: cst.ImportFrom) -> bool:
    return node.lpar is not None and isinstance(
        node.lpar.whitespace_after, cst.ParenthesizedWhitespace
    )


def _merge_single_line(node: cst.ImportFrom, names: Sequence[str]) -> cst.ImportFrom:
    aliases = list(node.names) if not isinstance(node.names, cst.ImportStar) else []
    current = [_alias_name(a) for a in aliases]
    in_order = current == sorted(current)
    for name in names:
        new = cst.ImportAlias(name=cst.Name(name))
        position = bisect.bisect(current, name) if in_order else len(current)
        aliases.insert(position, new)
        current.insert(position, name)
    spaced = [
        a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        for a in aliases[:-1]
    ]
    last = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(names=[*spaced, last])


def _merge_multiline(node: cst.ImportFrom, names: Sequence[str], noqa: bool) -> cst.ImportFrom:
    """Append each name on a line of its own, before the closing parenthesis."""
    assert node.lpar is not None and node.rpar is not None
    assert isinstance(node.names, Sequence)
    opening = node.lpar.whitespace_after
    indent = opening.last_line.value if isinstance(opening, cst.ParenthesizedWhitespace) else "    "
    aliases = list(node.names)
    last = aliases[-1]
    closing = node.rpar.whitespace_before
    if isinstance(last.comma, cst.Comma) and isinstance(
        last.comma.whitespace_after, cst.ParenthesizedWhitespace
    ):
        end_line = last.comma.whitespace_after
    elif isinstance(closing, cst.ParenthesizedWhitespace):
        end_line = closing
    else:
        end_line = cst.ParenthesizedWhitespace(last_line=cst.SimpleWhitespace(""))
    between = end_line.with_changes(last_line=cst.SimpleWhitespace(indent))
    aliases[-1] = last.with_changes(comma=cst.Comma(whitespace_after=between))
    for i, name in enumerate(names):
        is_last = i == len(names) - 1
        trailing = cst.TrailingWhitespace()
        if noqa:
            trailing = cst.TrailingWhitespace(cst.SimpleWhitespace("  "), cst.Comment(NOQA))
        after = cst.ParenthesizedWhitespace(
            first_line=trailing,
            indent=True,
            last_line=end_line.last_line if is_last else cst.SimpleWhitespace(indent),
        )
        aliases.append(
            cst.ImportAlias(name=cst.Name(name), comma=cst.Comma(whitespace_after=after))
        )
    return node.with_changes(
        names=aliases, rpar=node.rpar.with_changes(whitespace_before=cst.SimpleWhitespace(""))
    )


def _merge(
    line: cst.SimpleStatementLine, spec: str, names: Sequence[str], noqa: bool
) -> Optional[cst.SimpleStatementLine]:
    """`line` with `names` merged into its `from <spec> import ...`, or None if it has none."""
    for index, small in enumerate(line.body):
        if not (isinstance(small, cst.ImportFrom) and _spec(small) == spec):
            continue
        if isinstance(small.names, cst.ImportStar):
            return None
        existing = {_alias_name(a) for a in small.names}
        missing = [n for n in names if n not in existing]
        if not missing:
            return line
        if _multiline(small):
            merged = _merge_multiline(small, missing, noqa)
            return line.with_changes(body=[*line.body[:index], merged, *line.body[index + 1 :]])
        merged = _merge_single_line(small, missing)
        trailing = with_noqa(line.trailing_whitespace) if noqa else line.trailing_whitespace
        return line.with_changes(
            body=[*line.body[:index], merged, *line.body[index + 1 :]], trailing_whitespace=trailing
        )
    return None


def _new_import(
    module: cst.Module, spec: str, names: Sequence[str], noqa: bool
) -> cst.SimpleStatementLine:
    code = f"from {spec} import {', '.join(sorted(names))}{'  ' + NOQA if noqa else ''}\n"
    stmt = cst.parse_statement(code, config=_config(module))
    assert isinstance(stmt, cst.SimpleStatementLine)
    return stmt


def _add_to(
    module: cst.Module,
    body: list[Statement],
    spec: str,
    names: Sequence[str],
    noqa: bool,
    at: int,
) -> bool:
    """Merge into an import of `spec` in `body`, or insert a new import at index `at`; whether
    a new line was inserted."""
    for index, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine):
            merged = _merge(stmt, spec, names, noqa)
            if merged is not None:
                body[index] = merged
                return False
    _insert(body, at, _new_import(module, spec, names, noqa), separate=False)
    return True


def _is_future(stmt: Statement) -> bool:
    return any(
        isinstance(i, cst.ImportFrom) and _spec(i) == "__future__" for i in _imports_of(stmt)
    )


def _blank_lines_before(stmt: Statement) -> Statement:
    """PEP 8 spacing before a statement that now follows an import: two lines before a def or class."""
    wanted = 2 if isinstance(stmt, (cst.ClassDef, cst.FunctionDef)) else 1
    lines = list(stmt.leading_lines)
    blank = 0
    while blank < len(lines) and lines[blank].comment is None:
        blank += 1
    if blank >= wanted:
        return stmt
    return stmt.with_changes(leading_lines=[cst.EmptyLine()] * (wanted - blank) + lines)


def _insert(body: list[Statement], at: int, new: Statement, separate: bool) -> None:
    """Insert `new` at `at`: in the import block it follows, or set apart by a blank line."""
    previous = body[at - 1] if at > 0 else None
    joins_block = previous is not None and _is_import_line(previous) and not _is_future(previous)
    if previous is not None and (separate or not joins_block):
        new = new.with_changes(leading_lines=[cst.EmptyLine()])
    if at < len(body) and not _is_import_line(body[at]):
        body[at] = _blank_lines_before(body[at])
    body.insert(at, new)


def _indent(module: cst.Module) -> str:
    """The module's indentation, if it is plain spaces or tabs (a form feed can slip in)."""
    indent = module.default_indent
    return indent if indent and not indent.strip(" \t") else "    "


def _config(module: cst.Module) -> cst.PartialParserConfig:
    return cst.PartialParserConfig(
        default_indent=_indent(module), default_newline=module.default_newline
    )


def _type_checking_block(body: Sequence[Statement]) -> Optional[int]:
    """The first `if TYPE_CHECKING:` block with an indented body (one that can take a line)."""
    for index, stmt in enumerate(body):
        if (
            isinstance(stmt, cst.If)
            and is_type_checking_block(stmt)
            and isinstance(stmt.body, cst.IndentedBlock)
        ):
            return index
    return None


def _block_body(block: cst.If) -> list[Statement]:
    assert isinstance(block.body, cst.IndentedBlock)
    return [
        s
        for s in block.body.body
        if isinstance(s, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    ]


def _with_block_body(block: cst.If, body: Sequence[Statement]) -> cst.If:
    assert isinstance(block.body, cst.IndentedBlock)
    return block.with_changes(body=block.body.with_changes(body=list(body)))


def _add_type_checking(
    module: cst.Module, body: list[Statement], spec: str, names: Sequence[str]
) -> None:
    index = _type_checking_block(body)
    if index is not None:
        block = body[index]
        assert isinstance(block, cst.If)
        inner = _block_body(block)
        last_import = max((i + 1 for i, s in enumerate(inner) if _is_import_line(s)), default=0)
        _add_to(module, inner, spec, names, True, last_import)
        body[index] = _with_block_body(block, inner)
        return
    indent = _indent(module)
    code = f"if TYPE_CHECKING:\n{indent}from {spec} import {', '.join(names)}  {NOQA}\n"
    block = cst.parse_statement(code, config=_config(module))
    _insert(body, _header_import_end(body), block, separate=True)
    if not _binds(body, "TYPE_CHECKING"):
        at = _future_end(body)
        if not _add_to(module, body, "typing", ["TYPE_CHECKING"], False, at):
            return  # merged into an existing `from typing import ...`: its block stays as it is
        following = body[at + 1] if at + 1 < len(body) else None
        if following is not None and _is_import_line(following) and not following.leading_lines:
            body[at + 1] = following.with_changes(leading_lines=[cst.EmptyLine()])


def _binds(body: Sequence[Statement], name: str) -> bool:
    for stmt in body:
        for imp in _imports_of(stmt):
            if not isinstance(imp.names, cst.ImportStar) and any(
                _alias_name(a) == name for a in imp.names
            ):
                return True
    return False


def _drop_from_line(
    line: cst.SimpleStatementLine, names: set[str]
) -> Optional[cst.SimpleStatementLine]:
    """The line without imports of `names`; None if nothing is left of it."""
    body: list[cst.BaseSmallStatement] = []
    for small in line.body:
        if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            kept = [a for a in small.names if _alias_name(a) not in names]
            if not kept:
                continue
            if len(kept) != len(small.names):
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                small = small.with_changes(names=kept)
        body.append(small)
    if not body:
        return None
    return line.with_changes(body=body)


def _drop_type_checking(body: list[Statement], names: set[str]) -> None:
    """Remove the imports of `names` from every top-level `if TYPE_CHECKING:` block."""
    index = 0
    removed_block = False
    while index < len(body):
        block = body[index]
        if not (isinstance(block, cst.If) and is_type_checking_block(block)):
            index += 1
            continue
        kept = _without_names(block, names)
        if kept is not None:
            body[index] = kept
            index += 1
        elif block.orelse is None:
            _remove(body, index)
            removed_block = True
        else:
            body[index] = _with_block_body(block, [cst.parse_statement("pass\n")])
            index += 1
    if removed_block:
        _drop_unused_type_checking_import(body)


def _without_names(block: cst.If, names: set[str]) -> Optional[cst.If]:
    """The block without imports of `names`; None if nothing would be left in its body."""
    if isinstance(block.body, cst.SimpleStatementSuite):  # `if TYPE_CHECKING: from x import Y`
        line = cst.SimpleStatementLine(body=block.body.body)
        kept_line = _drop_from_line(line, names)
        if kept_line is None:
            return None
        return block.with_changes(body=block.body.with_changes(body=kept_line.body))
    inner: list[Statement] = []
    for stmt in _block_body(block):
        if isinstance(stmt, cst.SimpleStatementLine):
            kept = _drop_from_line(stmt, names)
            if kept is not None:
                inner.append(kept)
        else:
            inner.append(stmt)
    return _with_block_body(block, inner) if inner else None


def _remove(body: list[Statement], index: int) -> None:
    """Remove a statement; the one taking its place keeps its spacing, unless it now opens the file."""
    removed = body.pop(index)
    if index >= len(body):
        return
    following = body[index]
    if index == 0:
        lines = list(following.leading_lines)
        while lines and lines[0].comment is None:
            lines.pop(0)
        body[0] = following.with_changes(leading_lines=lines)
    elif removed.leading_lines and not following.leading_lines:
        body[index] = following.with_changes(leading_lines=removed.leading_lines)


class _NameCounter(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.count += 1


def _drop_unused_type_checking_import(body: list[Statement]) -> None:
    counter = _NameCounter("TYPE_CHECKING")
    for stmt in body:
        stmt.visit(counter)
    if counter.count:
        return
    for index, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(i, cst.ImportFrom) and _spec(i) in ("typing", "typing_extensions")
            for i in _imports_of(stmt)
        ):
            kept = _drop_from_line(stmt, {"TYPE_CHECKING"})
            if kept is None:
                _remove(body, index)
            else:
                body[index] = kept
            return


def _protect(body: list[Statement], name: str) -> None:
    for index, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in _imports_of(stmt):
            aliases = small.names if not isinstance(small.names, cst.ImportStar) else ()
            for alias in aliases:
                if _alias_name(alias) != name:
                    continue
                if isinstance(small, cst.ImportFrom) and _multiline(small):
                    protected = _noqa_on_alias(small, alias)
                    smalls = [protected if s is small else s for s in stmt.body]
                    body[index] = stmt.with_changes(body=smalls)
                else:
                    body[index] = stmt.with_changes(
                        trailing_whitespace=with_noqa(stmt.trailing_whitespace)
                    )
                return


def _noqa_on_alias(node: cst.ImportFrom, alias: cst.ImportAlias) -> cst.ImportFrom:
    assert isinstance(node.names, Sequence) and node.rpar is not None
    aliases = list(node.names)
    index = aliases.index(alias)
    comma = alias.comma
    if isinstance(comma, cst.Comma) and isinstance(
        comma.whitespace_after, cst.ParenthesizedWhitespace
    ):
        after = comma.whitespace_after
        after = after.with_changes(first_line=with_noqa(after.first_line))
        aliases[index] = alias.with_changes(comma=comma.with_changes(whitespace_after=after))
        return node.with_changes(names=aliases)
    closing = node.rpar.whitespace_before
    if isinstance(closing, cst.ParenthesizedWhitespace):
        closing = closing.with_changes(first_line=with_noqa(closing.first_line))
        return node.with_changes(rpar=node.rpar.with_changes(whitespace_before=closing))
    return node


def apply_import_edits(module: cst.Module, edits: ImportEdits) -> cst.Module:
    body = list(module.body)
    if edits.drop_type_checking:
        _drop_type_checking(body, edits.drop_type_checking)
    for spec, names in sorted(edits.runtime.items()):
        _add_to(module, body, spec, names, True, _header_import_end(body))
    for spec, names in sorted(edits.type_checking.items()):
        _add_type_checking(module, body, spec, names)
    for register in sorted(edits.modules, key=lambda m: m.module):
        stmt = cst.parse_statement(register.statement + "\n", config=_config(module))
        _insert(body, _header_import_end(body), stmt, separate=False)
    for name in sorted(edits.protect):
        _protect(body, name)
    return module.with_changes(body=body)
