"""Decide, for one dotted reference, whether the rewrite is provably safe and what to import.

relationship("ecommerce.models.Subscription")
    -> Rewrite("Subscription", ImportPlan("ecommerce.models", "Subscription", type_checking=False))
relationship("billing.models.Invoice")       # two mapped classes named Invoice
    -> Leave("ambiguous", "another mapped class named Invoice: legacy/models.py:12")
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass, field
from typing import Optional, Union

from .find import TARGET, Reference
from .mapped import MappedCheck
from .project import Project
from .qualify import ProjectObject, Resolver
from .resolve import Target, Unresolved, resolve_chain, resolve_target
from .spelling import display_name, import_root, spell_import


@dataclass(frozen=True)
class ImportPlan:
    module: str
    name: str
    type_checking: bool


@dataclass
class ImportEdits:
    runtime: dict[str, list[str]] = field(default_factory=dict)
    type_checking: dict[str, list[str]] = field(default_factory=dict)
    drop_type_checking: set[str] = field(default_factory=set)
    protect: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.runtime or self.type_checking or self.drop_type_checking or self.protect)


@dataclass(frozen=True)
class Rewrite:
    ref: Reference
    target: Target
    add: Optional[ImportPlan] = None
    drop_type_checking: bool = False  # the name's import under TYPE_CHECKING becomes redundant
    protect: bool = False  # the existing runtime import now needs protecting from F401 fixes
    warning: Optional[str] = None

    @property
    def new_value(self) -> str:
        return self.target.name

    @property
    def path(self) -> str:
        """The dotted text that `new_value` replaces."""
        return self.target.path


@dataclass(frozen=True)
class Leave:
    ref: Reference
    kind: str  # "broken" is reported; the others are listed with -v
    reason: str
    code: str = ""  # when the kind alone does not settle it (transform.py maps the kinds)


Decision = Union[Rewrite, Leave]


@dataclass
class RunState:
    """What one run has decided so far: runtime imports added, by importing file."""

    added_edges: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Binding:
    runtime_same: bool = False
    type_checking_same: bool = False
    clash: Optional[str] = None


class Decider:
    def __init__(self, project: Project, placement: str = "auto") -> None:
        self.project = project
        self.resolver = Resolver(project)
        self.mapped = MappedCheck(self.resolver)
        self.placement = placement
        self.state = RunState()

    def decide(self, file: str, ref: Reference) -> Decision:
        if ref.role == TARGET:
            resolved = resolve_target(self.project, ref.value)
        else:
            resolved = resolve_chain(self.project, ref.value)
        if isinstance(resolved, Unresolved):
            return Leave(ref, resolved.kind, resolved.reason)
        clash = self._other_mapped_class(resolved)
        if clash:
            return Leave(ref, "ambiguous", clash, "FR301")
        binding = self._binding(file, ref, resolved)
        if binding.clash:
            return Leave(ref, "bound", binding.clash)
        if resolved.file == file:
            return Rewrite(ref, resolved)
        if binding.runtime_same:
            info = self.project.known_info(file)
            used = info is not None and resolved.name in info.loaded_names()
            return Rewrite(ref, resolved, protect=not used)
        return self._with_import(file, ref, resolved, binding)

    def _other_mapped_class(self, target: Target) -> Optional[str]:
        for file in self.project.files_defining(target.name):
            info = self.project.info(file)
            if info is None:
                return f"cannot parse {file}, which defines a class named {target.name}"
            if self.project.may_nest(target.name, file):
                candidates = info.classes(target.name, functools.partial(self.project.parse, file))
            else:
                candidates = info.toplevel_classes.get(target.name, [])
            for cls in candidates:
                if file == target.file and cls.position == target.cls.position:
                    continue
                if not self.mapped.provably_unmapped(file, cls):
                    return (
                        f"another class named {target.name} may be mapped: "
                        f"{file}:{cls.lineno}; the bare name would be ambiguous"
                    )
        return None

    def _binding(self, file: str, ref: Reference, target: Target) -> _Binding:
        name = target.name
        result = _Binding()
        module_scope = ref.scopes[-1] if ref.scopes else {}
        for scope in ref.scopes[:-1]:
            if name in scope:
                result.clash = f"{name} is bound in an enclosing function or class here"
                return result
        same = ProjectObject(target.file, name, "class")
        for bound in module_scope.get(name, ()):
            meaning = self.resolver.binding(file, [module_scope], name, bound, 0)
            if meaning != same:
                result.clash = f"{name} is already bound in this file (line {bound.lineno})"
                return result
            if bound.type_checking:
                result.type_checking_same = True
            else:
                result.runtime_same = True
        if name not in module_scope:
            via_star = self.resolver.name(file, [], name)
            if via_star is not None and not getattr(via_star, "qname", "").startswith("builtins."):
                if via_star != same:
                    result.clash = f"{name} comes from a star import in this file"
                else:
                    result.runtime_same = True
        return result

    def _with_import(
        self, file: str, ref: Reference, target: Target, binding: _Binding
    ) -> Decision:
        module = spell_import(self.project, file, target.file)
        if module is None:
            return Leave(ref, "unimportable", f"no import root reaches {target.file} from {file}")
        if self.placement == "type-checking":
            if binding.type_checking_same:
                return Rewrite(ref, target)  # already imported where it belongs
            return Rewrite(ref, target, ImportPlan(module, target.name, True))
        cycle = self._cycle(file, target.file)
        if cycle is None:
            self.state.added_edges.setdefault(file, []).extend(
                self.project.executed_by_import(file, target.file)
            )
            plan = ImportPlan(module, target.name, False)
            return Rewrite(ref, target, plan, drop_type_checking=binding.type_checking_same)
        if self._imports_module(file, target.file):
            return Rewrite(ref, target)
        verb = "kept" if binding.type_checking_same else "placed"
        warning = (
            f"import of {target.name} {verb} under `if TYPE_CHECKING:`: a runtime import would "
            f"close the import cycle {cycle}; import both modules in one place (such as the "
            "models package `__init__`) so that the class is registered before the mappers are "
            "configured"
        )
        if binding.type_checking_same:
            return Rewrite(ref, target, warning=warning)  # already imported under TYPE_CHECKING
        return Rewrite(ref, target, ImportPlan(module, target.name, True), warning=warning)

    def _imports_module(self, file: str, target_file: str) -> bool:
        return target_file in self.project.runtime_imports(file)

    def _edges(self, file: str) -> list[str]:
        return [*self.project.runtime_imports(file), *self.state.added_edges.get(file, ())]

    def _cycle(self, file: str, target_file: str) -> Optional[str]:
        """The cycle `file -> target -> ... -> file` a runtime import would close, if any."""
        parents: dict[str, Optional[str]] = {}
        queue: deque[str] = deque()
        for start in self.project.executed_by_import(file, target_file):
            if start not in parents:
                parents[start] = None
                queue.append(start)
        while queue:
            current = queue.popleft()
            if current == file:
                return self._describe_cycle(file, current, parents)
            for nxt in self._edges(current):
                if nxt not in parents:
                    parents[nxt] = current
                    queue.append(nxt)
        return None

    def _describe_cycle(self, file: str, end: str, parents: dict[str, Optional[str]]) -> str:
        path = []
        node: Optional[str] = end
        while node is not None:
            path.append(node)
            node = parents[node]
        root = import_root(self.project, file, file)
        names = [display_name(self.project, f, root) for f in [file, *reversed(path)]]
        return " -> ".join(names)
