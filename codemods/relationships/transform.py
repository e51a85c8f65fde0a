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
        outcome.new_text = apply_rewrites(source, rewrites)
    return outcome


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
    if not edits:
        return text
    import libcst as cst

    return apply_import_edits(cst.parse_module(text), edits).code
