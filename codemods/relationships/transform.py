"""One module's source -> its fixed source and what was found, with no disk and no printing.

   subscription = relationship("ecommerce.models.Subscription", backref="usage_events")
-> from ecommerce.models import Subscription  # noqa: F401
   subscription = relationship("Subscription", backref="usage_events")
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional, Union

from .decide import Decider, ImportEdits, Leave, Rewrite
from .find import Reference, Skipped, find_references
from .findings import BROKEN, ERROR, REWRITE, SKIPPED, WARNING, Finding
from .header import HeaderParseError, default_indent, join, split_header
from .safety import unintended_change
from .scan import scan_module
from .sources import SourceText, parse_python

_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass
class Outcome:
    new_text: Optional[str] = None
    findings: list[Finding] = field(default_factory=list)


def fix_source(path: str, file: str, text: str, decider: Decider) -> Outcome:
    """Fix one module. `path` is how findings name it; `file` is its key in the project."""
    outcome = Outcome()
    try:
        tree = parse_python(text)
    except SyntaxError as exc:
        line, col = exc.lineno or 0, exc.offset or 0
        outcome.findings.append(Finding(path, line, col, ERROR, f"cannot parse: {exc.msg}"))
        return outcome
    except (ValueError, RecursionError, MemoryError) as exc:
        outcome.findings.append(Finding(path, 0, 0, ERROR, f"cannot parse: {type(exc).__name__}"))
        return outcome
    decider.project.set_info(file, scan_module(tree))
    source = SourceText(text)
    rewrites: list[Rewrite] = []
    for found in find_references(file, tree, source, decider.resolver):
        decision: Union[Skipped, Rewrite, Leave]
        decision = found if isinstance(found, Skipped) else decider.decide(file, tree, found)
        outcome.findings.extend(_report(path, source, decision))
        if isinstance(decision, Rewrite):
            rewrites.append(decision)
    if rewrites:
        _apply(path, tree, source, rewrites, outcome)
    return outcome


def _apply(
    path: str, tree: ast.Module, source: SourceText, rewrites: list[Rewrite], outcome: Outcome
) -> None:
    """Set the new text, unless LibCST cannot parse the file or the safety check fails."""
    try:
        new_text = apply_rewrites(tree, source, rewrites)
    except HeaderParseError as exc:
        message = f"LibCST cannot parse this file: {exc}"
        outcome.findings.append(Finding(path, exc.line, exc.col, ERROR, message))
        return
    strings = {(r.ref.node.lineno, r.ref.node.col_offset): r.new_value for r in rewrites}
    added = {(r.add.module, r.add.name, r.add.type_checking) for r in rewrites if r.add}
    dropped = [r.new_value for r in rewrites if r.drop_type_checking]
    problem = unintended_change(tree, source.text, new_text, strings, added, dropped)
    if problem is not None:
        message = f"internal error, file left unchanged: {problem}; please report this file"
        outcome.findings.append(Finding(path, 0, 0, ERROR, message))
        return
    outcome.new_text = new_text


def _report(
    path: str, source: SourceText, decision: Union[Skipped, Rewrite, Leave]
) -> list[Finding]:
    node = decision.node if isinstance(decision, Skipped) else decision.ref.node
    line, col = node.lineno, source.column(node.lineno, node.col_offset)
    if isinstance(decision, Skipped):
        return [Finding(path, line, col, SKIPPED, decision.reason)]
    value = decision.ref.value
    if isinstance(decision, Leave):
        kind = BROKEN if decision.kind == "broken" else SKIPPED
        return [Finding(path, line, col, kind, f'"{value}": {decision.reason}')]
    message = f'"{value}" -> "{decision.new_value}"{_how(decision)}'
    found = [Finding(path, line, col, REWRITE, message)]
    if decision.warning:
        found.append(Finding(path, line, col, WARNING, decision.warning))
    return found


def _how(rewrite: Rewrite) -> str:
    if rewrite.add is None:
        return ""
    where = " under TYPE_CHECKING" if rewrite.add.type_checking else ""
    return f" (import added{where}: from {rewrite.add.module} import {rewrite.add.name})"


def apply_rewrites(tree: ast.Module, source: SourceText, rewrites: Sequence[Rewrite]) -> str:
    text = source.text
    for rewrite in sorted(rewrites, key=lambda r: source.span(r.ref.node), reverse=True):
        text = _splice(text, source, rewrite.ref, rewrite.new_value)
    edits = _import_edits(rewrites)
    if not edits:
        return text
    # Splicing a dotted path into a bare name never changes line numbers, so `tree` still
    # locates the import block in the spliced text.
    return _edit_header(tree, SourceText(text), edits)


def _splice(text: str, source: SourceText, ref: Reference, new_value: str) -> str:
    start, end = source.span(ref.node)
    literal = text[start:end]
    first = literal.index(ref.value)
    return text[: start + first] + new_value + text[start + first + len(ref.value) :]


def _import_edits(rewrites: Sequence[Rewrite]) -> ImportEdits:
    edits = ImportEdits()
    for rewrite in rewrites:
        if rewrite.add is not None:
            table = edits.type_checking if rewrite.add.type_checking else edits.runtime
            names = table.setdefault(rewrite.add.module, [])
            if rewrite.add.name not in names:
                names.append(rewrite.add.name)
        if rewrite.drop_type_checking:
            edits.drop_type_checking.add(rewrite.new_value)
        if rewrite.protect:
            edits.protect.add(rewrite.new_value)
    for names in edits.runtime.values():
        for other in edits.type_checking.values():
            other[:] = [n for n in other if n not in names]
    edits.type_checking = {k: v for k, v in edits.type_checking.items() if v}
    return edits


def _edit_header(tree: ast.Module, source: SourceText, edits: ImportEdits) -> str:
    import libcst as cst

    from .imports import apply_import_edits

    split = split_header(tree, source)
    newline = _NEWLINE.search(source.text)
    config = cst.PartialParserConfig(
        default_indent=default_indent(source.text),
        default_newline=newline.group(0) if newline else "\n",
    )
    try:
        head = cst.parse_module(split.head, config=config)
    except cst.ParserSyntaxError as exc:
        raise HeaderParseError(exc.message, exc.raw_line, exc.raw_column + 1) from None
    except RecursionError:
        raise HeaderParseError("nested too deeply", 0, 0) from None
    return join(split, apply_import_edits(head, edits).code, head.default_newline)
