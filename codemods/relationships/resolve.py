"""A dotted relationship target -> the class SQLAlchemy would find, or why there is none.

"ecommerce.models.Subscription"  ->  Target("backend/ecommerce/models.py", "Subscription")
"ecommerce.modles.Subscription"  ->  Unresolved("outside", ...)   no module ends with that
"ecommerce.models.Subscriptoin"  ->  Unresolved("broken", ...)    the module has no such class
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from .project import Project
from .scan import ClassInfo


@dataclass(frozen=True)
class Target:
    file: str
    name: str
    cls: ClassInfo
    path: str  # the dotted path that names it


@dataclass(frozen=True)
class Unresolved:
    kind: str  # "outside" | "broken" | "ambiguous" | "unknown"
    reason: str


def resolve_target(project: Project, dotted: str) -> Union[Target, Unresolved]:
    *module, name = dotted.split(".")
    modules = project.modules_ending_with(module)
    module_name = ".".join(module)
    if not modules:
        return Unresolved("outside", f"no project module ends with {module_name}")
    defining: list[Target] = []
    for file in modules:
        info = project.info(file)
        if info is None:
            return Unresolved("unknown", f"cannot parse {file}, which may define {name}")
        cls = info.toplevel_class(name)
        if cls is not None:
            defining.append(Target(file, name, cls, dotted))
    if len(defining) == 1:
        return defining[0]
    if defining:
        where = ", ".join(t.file for t in defining)
        return Unresolved("ambiguous", f"{module_name}.{name} matches classes in {where}")
    return Unresolved("broken", _why_broken(project, modules, name))


def resolve_chain(project: Project, chain: str) -> Union[Target, Unresolved]:
    """The class a chain inside an expression starts with: `a.b.C.attr` -> `C` of `a.b`.

    Chains that name no project class (`UsageEvent.id`, `subscriptions.c.id`) are "outside"."""
    parts = chain.split(".")
    for end in range(2, len(parts) + 1):
        found = resolve_target(project, ".".join(parts[:end]))
        if isinstance(found, Target) or found.kind in ("ambiguous", "unknown"):
            return found
    return Unresolved("outside", "names no project class")


def _why_broken(project: Project, modules: list[str], name: str) -> str:
    file = modules[0]
    info = project.info(file)
    if info is not None and name in info.bindings:
        return (
            f"{file} only imports {name}; SQLAlchemy registers a class under the module that "
            "defines it"
        )
    listed = ", ".join(modules)
    return f"no class {name} is defined in {listed}"
