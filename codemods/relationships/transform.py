"""One module's source -> its fixed source and what was found, with no disk and no printing.

   subscription = relationship("ecommerce.models.Subscription", backref="usage_events")
-> from ecommerce.models import Subscription  # noqa: F401
   subscription = relationship("Subscription", backref="usage_events")
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional, Union

from .decide import Decider, Leave, Rewrite
from .find import Reference, Skipped, find_references
from .findings import BROKEN, ERROR, REWRITE, SKIPPED, WARNING, Finding
from .safety import unintended_change
from .scan import scan_module
from .sources import SourceText


@dataclass
class Outcome:
    new_text: Optional[str] = None
    findings: list[Finding] = field(default_factory=list)


def parse_python(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


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
    import libcst as cst

    try:
        new_text = apply_rewrites(source, rewrites)
    except cst.ParserSyntaxError as exc:
        message = f"LibCST cannot parse this file: {exc.message}"
        outcome.findings.append(Finding(path, exc.raw_line, exc.raw_column + 1, ERROR, message))
        return
    except RecursionError:
        outcome.findings.append(
            Finding(path, 0, 0, ERROR, "LibCST cannot parse this file: nested too deeply")
        )
        return
    strings = {(r.ref.node.lineno, r.ref.node.col_offset): r.new_value for r in rewrites}
    added = [(r.add.module, r.add.name, r.add.type_checking) for r in rewrites if r.add]
    dropped = [r.new_value for r in rewrites if r.drop_type_checking]
    problem = unintended_change(tree, new_text, strings, added, dropped)
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


def apply_rewrites(source: SourceText, rewrites: Sequence[Rewrite]) -> str:
    text = source.text
    for rewrite in sorted(rewrites, key=lambda r: source.span(r.ref.node), reverse=True):
        text = _splice(text, source, rewrite.ref, rewrite.new_value)
    return _edit_imports(text, rewrites)


def _splice(text: str, source: SourceText, ref: Reference, new_value: str) -> str:
    start, end = source.span(ref.node)
    literal = text[start:end]
    first = literal.index(ref.value)
    return text[: start + first] + new_value + text[start + first + len(ref.value) :]


def _edit_imports(text: str, rewrites: Sequence[Rewrite]) -> str:
    from .imports import ImportEdits, apply_import_edits

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
    import libcst as cst

    module = cst.parse_module(text)  # parsed even without import edits: both parsers must accept it
    return apply_import_edits(module, edits).code if edits else text
