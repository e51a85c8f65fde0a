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
from .find import Skipped, find_references
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


@dataclass(frozen=True)
class Splice:
    """A target literal's `ast` position, and its text before and after."""

    lineno: int
    col: int
    end_lineno: int
    end_col: int
    value: str
    new_value: str


@dataclass(frozen=True)
class Plan:
    """Everything needed to rewrite one file, decided and picklable (it may be applied in a
    worker process)."""

    path: str
    text: str
    splices: tuple[Splice, ...]
    edits: ImportEdits
    added: frozenset[tuple[str, str, bool]]
    dropped: tuple[str, ...]


def fix_source(path: str, file: str, text: str, decider: Decider) -> Outcome:
    """Fix one module. `path` is how findings name it; `file` is its key in the project."""
    outcome = Outcome()
    plan = plan_file(path, file, text, decider, outcome.findings)
    if plan is not None:
        new_text, error = apply_plan(plan)
        outcome.new_text = new_text
        if error is not None:
            outcome.findings.append(error)
    return outcome


def plan_file(
    path: str, file: str, text: str, decider: Decider, findings: list[Finding]
) -> Optional[Plan]:
    """Decide every reference of one module (in order: later files see this one's imports)."""
    known = decider.project.known_info(file)
    try:
        # The index may have parsed this file already (as a target, or on an import path).
        tree = known.tree if known is not None else parse_python(text)
    except SyntaxError as exc:
        line, col = exc.lineno or 0, exc.offset or 0
        findings.append(Finding(path, line, col, ERROR, f"cannot parse: {exc.msg}"))
        return None
    except (ValueError, RecursionError, MemoryError) as exc:
        findings.append(Finding(path, 0, 0, ERROR, f"cannot parse: {type(exc).__name__}"))
        return None
    if known is None:
        decider.project.set_info(file, scan_module(tree))
    source = SourceText(text)
    rewrites: list[Rewrite] = []
    for found in find_references(file, tree, source, decider.resolver):
        decision: Union[Skipped, Rewrite, Leave]
        decision = found if isinstance(found, Skipped) else decider.decide(file, found)
        findings.extend(_report(path, source, decision))
        if isinstance(decision, Rewrite):
            rewrites.append(decision)
    if not rewrites:
        return None
    splices = tuple(
        Splice(
            n.lineno,
            n.col_offset,
            n.end_lineno or n.lineno,
            n.end_col_offset or 0,
            r.ref.value,
            r.new_value,
        )
        for r in rewrites
        for n in [r.ref.node]
    )
    return Plan(
        path,
        text,
        splices,
        _import_edits(rewrites),
        frozenset((r.add.module, r.add.name, r.add.type_checking) for r in rewrites if r.add),
        tuple(r.new_value for r in rewrites if r.drop_type_checking),
    )


def apply_plan(plan: Plan) -> tuple[Optional[str], Optional[Finding]]:
    """The new text, or the error that keeps the file as it is. Pure: fine in a worker process."""
    tree = parse_python(plan.text)
    source = SourceText(plan.text)
    try:
        new_text = _rewrite(tree, source, plan)
    except HeaderParseError as exc:
        message = f"LibCST cannot parse this file: {exc}"
        return None, Finding(plan.path, exc.line, exc.col, ERROR, message)
    strings = {(s.lineno, s.col): s.new_value for s in plan.splices}
    problem = unintended_change(tree, plan.text, new_text, strings, plan.added, plan.dropped)
    if problem is not None:
        message = f"internal error, file left unchanged: {problem}; please report this file"
        return None, Finding(plan.path, 0, 0, ERROR, message)
    return new_text, None


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


def _rewrite(tree: ast.Module, source: SourceText, plan: Plan) -> str:
    text = source.text
    for splice in sorted(plan.splices, key=lambda s: (s.lineno, s.col), reverse=True):
        start = source.offset(splice.lineno, splice.col)
        end = source.offset(splice.end_lineno, splice.end_col)
        first = start + text[start:end].index(splice.value)
        text = text[:first] + splice.new_value + text[first + len(splice.value) :]
    if not plan.edits:
        return text
    # Splicing a dotted path into a bare name never changes line numbers, so `tree` still
    # locates the import block in the spliced text.
    return _edit_header(tree, SourceText(text), plan.edits)


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
