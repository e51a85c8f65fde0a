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

from .analysis import Analysis, Job, analyse
from .decide import Decider
from .decisions import ImportEdits, Leave, ModuleImport, Rewrite
from .find import TARGET, Skipped
from .findings import BROKEN, ERROR, REWRITE, SKIPPED, WARNING, Finding, Fix
from .header import HeaderParseError, default_indent, join, split_header
from .late import place_late_imports
from .safety import unintended_change
from .sources import SourceText, parse_python
from .suppress import unless_ignored, unsuppressed

_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass
class Outcome:
    new_text: Optional[str] = None
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Splice:
    """A string literal's (or an annotation chain's) `ast` position, and its text before and
    after. `chain` is set for a chain of code: (its number of names, how many are replaced)."""

    lineno: int
    col: int
    end_lineno: int
    end_col: int
    value: str
    new_value: str
    chain: Optional[tuple[int, int]] = None


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
    late: tuple[ModuleImport, ...] = ()  # registrations placed after the class definitions


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
    path: str,
    file: str,
    text: str,
    decider: Decider,
    findings: list[Finding],
    rewrite: bool = True,
    analysis: Optional[Analysis] = None,
) -> Optional[Plan]:
    """Decide every reference of one module (in order: later files see this one's imports).
    With `rewrite` false (FR101 deselected), nothing is rewritten and rewrites are not reported.
    `analysis` is the module's, if it was analysed ahead (in a worker)."""
    if analysis is None:
        analysis = analyse(Job(file, text, True, False), decider.project, decider.resolver)
    if analysis.error is not None:
        line, col, message = analysis.error
        findings.append(Finding(path, line, col, ERROR, message, "FR901"))
        return None
    decider.project.set_info(file, analysis.info)
    source = SourceText(text)
    found = analysis.found
    decisions = _whole_relationships(
        [f if isinstance(f, Skipped) else decider.decide(file, f) for f in found]
    )
    decider.decided(file)
    if not rewrite:
        decisions = [d for d in decisions if not isinstance(d, Rewrite)]
    decisions = [unless_ignored(source, d) for d in decisions]
    rewrites = [d for d in decisions if isinstance(d, Rewrite)]
    for decision in decisions:
        findings.extend(unsuppressed(source, decision, _report(path, source, decision)))
    # A target registered in its package's __init__.py changes nothing here (run.py edits the
    # __init__.py).
    rewrites = [r for r in rewrites if not r.idle]
    if not rewrites:
        return None
    registrations = [r.register for r in rewrites if r.register is not None]
    return Plan(
        path,
        text,
        _splices(rewrites),
        _import_edits(rewrites),
        frozenset((r.add.module, r.add.name, r.add.type_checking) for r in rewrites if r.add),
        tuple(r.new_value for r in rewrites if r.drop_type_checking),
        tuple(dict.fromkeys(m for m in registrations if m.late)),
    )


# Left for these reasons, one reference keeps its whole relationship dotted: rewriting only
# some of its strings would name one class two ways.
_BLOCKING = frozenset({"ambiguous", "bound", "unknown", "unimportable", "two-names", "duplicate"})


def _whole_relationships(
    decisions: list[Union[Skipped, Rewrite, Leave]],
) -> list[Union[Skipped, Rewrite, Leave]]:
    blocked: dict[int, str] = {}
    for d in decisions:
        if isinstance(d, Leave) and d.kind in _BLOCKING and d.blocks:
            blocked.setdefault(d.ref.group, f'"{d.ref.value}": {d.reason}')
    return [
        Leave(
            d.ref, "group", f"left dotted with the rest of its relationship: {blocked[d.ref.group]}"
        )
        if isinstance(d, Rewrite) and d.ref.group in blocked and not d.registers_only
        else d
        for d in decisions
    ]


def _splices(rewrites: list[Rewrite]) -> tuple[Splice, ...]:
    """One splice per rewritten literal (all its paths replaced) or annotation chain."""
    by_node: dict[int, list[Rewrite]] = {}
    for rewrite in rewrites:
        if not rewrite.registers_only:
            by_node.setdefault(id(rewrite.ref.node), []).append(rewrite)
    splices = []
    for group in by_node.values():
        node = group[0].ref.node
        where = (
            node.lineno,
            node.col_offset,
            node.end_lineno or node.lineno,
            node.end_col_offset or 0,
        )
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            new = node.value
            for r in sorted(group, key=lambda r: r.ref.start, reverse=True):
                new = new[: r.ref.start] + r.new_value + new[r.ref.start + len(r.path) :]
            splices.append(Splice(*where, node.value, new))
        else:
            r = group[0]
            chain = (len(r.ref.value.split(".")), len(r.path.split(".")))
            splices.append(Splice(*where, r.path, r.new_value, chain))
    return tuple(splices)


def apply_plan(plan: Plan) -> tuple[Optional[str], Optional[Finding]]:
    """The new text, or the error that keeps the file as it is. Pure: fine in a worker process."""
    tree = parse_python(plan.text)
    source = SourceText(plan.text)
    try:
        new_text = _rewrite(tree, source, plan)
    except HeaderParseError as exc:
        message = f"LibCST cannot parse this file: {exc}"
        return None, Finding(plan.path, exc.line, exc.col, ERROR, message, "FR901")
    strings = {(s.lineno, s.col): s.new_value for s in plan.splices if s.chain is None}
    chains = {
        (s.lineno, s.col, s.end_lineno, s.end_col): (*s.chain, s.new_value)
        for s in plan.splices
        if s.chain is not None
    }
    modules = [m.key for m in (*plan.edits.modules, *plan.late)]
    problem = unintended_change(
        tree, plan.text, new_text, strings, plan.added, plan.dropped, chains, modules
    )
    if problem is not None:
        message = f"internal error, file left unchanged: {problem}; please report this file"
        return None, Finding(plan.path, 0, 0, ERROR, message, "FR902")
    return new_text, None


def _report(
    path: str, source: SourceText, decision: Union[Skipped, Rewrite, Leave]
) -> list[Finding]:
    node = decision.node if isinstance(decision, Skipped) else decision.ref.node
    line, col = node.lineno, source.column(node.lineno, node.col_offset)
    if isinstance(decision, Skipped):
        return [Finding(path, line, col, SKIPPED, decision.reason, decision.code)]
    ref = decision.ref
    role = "" if ref.role == TARGET else f"{ref.role}: "
    if isinstance(decision, Leave):
        if decision.kind in _SILENT or (
            not ref.is_target and (decision.kind in ("outside", "broken") or not decision.blocks)
        ):
            return []  # registered, outside the project, a table or a column: nothing to say
        kind = BROKEN if decision.kind in _REPORTED else SKIPPED
        if decision.kind == "cycle":
            return [Finding(path, line, col, WARNING, decision.reason, "FR401")]
        code = decision.code or _LEAVE_CODES[decision.kind]
        return [Finding(path, line, col, kind, f'{role}"{ref.value}": {decision.reason}', code)]
    if decision.registers_only:
        message = f'{role}"{decision.path}": {_registration(decision)}'
    else:
        message = f'{role}"{decision.path}" -> "{decision.new_value}"{_how(decision)}'
    found = [Finding(path, line, col, REWRITE, message, _rewrite_code(decision), _fix(decision))]
    if decision.warning:
        found.append(Finding(path, line, col, WARNING, decision.warning, "FR401"))
    return found


_SILENT = frozenset({"registered", "external"})
_REPORTED = frozenset({"broken", "stale", "missing", "ambiguous-registry"})
_LEAVE_CODES = {
    "broken": "FR201",
    "missing": "FR202",
    "ambiguous-registry": "FR203",
    "stale": "FR204",
    "ambiguous": "FR311",  # the path matches classes in several modules (decide: FR301)
    "bound": "FR302",
    "outside": "FR303",
    "two-names": "FR306",
    "duplicate": "FR307",
    "unimportable": "FR308",
    "group": "FR309",
    "unknown": "FR310",
    "placement": "FR313",
}


def _rewrite_code(rewrite: Rewrite) -> str:
    if not rewrite.registers_only:
        return "FR101"
    return "FR103" if rewrite.register is not None and rewrite.register.late else "FR102"


def _fix(rewrite: Rewrite) -> Fix:
    register, add = rewrite.register, rewrite.add
    if register is not None:
        return Fix(rewrite.path, rewrite.new_value, register.statement.partition("  #")[0])
    if add is None:
        return Fix(rewrite.path, rewrite.new_value)
    return Fix(
        rewrite.path, rewrite.new_value, f"from {add.module} import {add.name}", add.type_checking
    )


def _how(rewrite: Rewrite) -> str:
    if rewrite.register is not None or rewrite.init is not None:
        return f" ({_registration(rewrite)})"
    if rewrite.add is None:
        return ""
    where = " under TYPE_CHECKING" if rewrite.add.type_checking else ""
    return f" (import added{where}: from {rewrite.add.module} import {rewrite.add.name})"


def _registration(rewrite: Rewrite) -> str:
    """How a registration-only rewrite registers its class."""
    name = rewrite.target.name
    register = rewrite.register
    if rewrite.init is not None:
        init, made = rewrite.init
        also = ""
        if rewrite.add is not None:
            also = f", and under TYPE_CHECKING here: from {rewrite.add.module} import {name}"
        return (
            f"registered by an import added to {init}: {made.statement.partition('  #')[0]}{also}"
        )
    if register is not None:
        where = "after the class definitions" if register.late else "added"
        also = ""
        if rewrite.add is not None:
            also = f", and under TYPE_CHECKING: from {rewrite.add.module} import {name}"
        statement = register.statement.partition("  #")[0]
        return f"registered by an import {where}: {statement}{also}"
    if rewrite.add is not None and not rewrite.add.type_checking:
        return f"registered by an import added: from {rewrite.add.module} import {name}"
    if rewrite.add is not None:
        return f"import added under TYPE_CHECKING: from {rewrite.add.module} import {name}"
    return f"{name} is now registered"


def _rewrite(tree: ast.Module, source: SourceText, plan: Plan) -> str:
    text = source.text
    for splice in sorted(plan.splices, key=lambda s: (s.lineno, s.col), reverse=True):
        start = source.offset(splice.lineno, splice.col)
        end = source.offset(splice.end_lineno, splice.end_col)
        first = start + text[start:end].index(splice.value)
        text = text[:first] + splice.new_value + text[first + len(splice.value) :]
    if plan.late:
        text = place_late_imports(tree, SourceText(text), plan.late)
    if not plan.edits:
        return text
    # Splicing a dotted path into a bare name never changes line numbers, and late imports
    # come after the header, so `tree` still locates the import block in the text.
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
        register = rewrite.register
        if register is not None and not register.late and register not in edits.modules:
            edits.modules.append(register)
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
