"""Plan the mapped classes of the synthetic project and the relationships between them.

Most relationships name their target by dotted path; many are two-way across modules; some
parent modules import the child module at module level (so importing the parent back into the
child would be a cycle); a few class names are mapped twice; some modules define an unmapped
class with the same name as a class they reference.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

import vocabulary as words
from tree_layout import Layout, Module

DATA_COLUMNS = (
    "reference", "name", "description", "amount", "quantity", "created_at", "updated_at",
    "is_active", "external_id", "position", "valid_from", "valid_until", "currency",
)  # fmt: skip


@dataclass
class MappedClass:
    name: str
    module: str
    table: str
    columns: list[str]
    foreign_keys: list[tuple[str, str]] = field(default_factory=list)  # (attribute, table)
    relationships: list[Relationship] = field(default_factory=list)

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.name}"

    def free_attribute(self, wanted: str) -> str:
        taken = {*self.columns, *(a for a, _ in self.foreign_keys)}
        taken |= {rel.attribute for rel in self.relationships}
        attribute, suffix = wanted, 2
        while attribute in taken or attribute in {"id", "metadata", "registry"}:
            attribute, suffix = f"{wanted}_{suffix}", suffix + 1
        return attribute


@dataclass
class Relationship:
    attribute: str
    target: MappedClass
    dotted: bool
    many: bool
    back_populates: str | None = None
    secondary: AssociationTable | None = None
    self_parent: bool = False  # the many-to-one side of a self-reference: remote_side=[id]


@dataclass(frozen=True)
class AssociationTable:
    variable: str
    table: str
    left: MappedClass
    right: MappedClass
    by_name: bool  # secondary="table" instead of secondary=variable


@dataclass(frozen=True)
class ModuleImport:
    module: str
    name: str  # the class, or a module when alias is set
    used_class: str
    alias: str | None = None

    @property
    def reference(self) -> str:
        return f"{self.alias}.{self.used_class}" if self.alias else self.used_class


@dataclass
class ModelModule:
    module: Module
    spelling: str  # "name" (relationship), "orm" (orm.relationship), "sa" (sa.orm.relationship)
    mapped_style: bool
    future_annotations: bool
    migrated: bool  # already uses bare names wherever they are unambiguous
    classes: list[MappedClass] = field(default_factory=list)
    imports: list[ModuleImport] = field(default_factory=list)
    tables: list[AssociationTable] = field(default_factory=list)
    lookalikes: list[str] = field(default_factory=list)  # unmapped classes named like targets

    @property
    def bound_names(self) -> set[str]:
        names = {cls.name for cls in self.classes} | set(self.lookalikes)
        return names | {imp.alias or imp.name for imp in self.imports}


def plan_models(layout: Layout, seed: int, locality: float = 0.0) -> list[ModelModule]:
    rng = random.Random(f"{seed}:models")
    plans = [_new_module(module, rng) for module in layout.of_kind("model")]
    _add_classes(plans, rng)
    _add_ambiguous_twins(plans, rng)
    planner = _RelationshipPlanner(plans, rng, locality)
    planner.plan()
    _add_lookalikes(plans, rng)
    return plans


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def plural(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:] not in ("ay", "ey", "oy"):
        return word[:-1] + "ies"
    return word + "s"


def ambiguous_names(plans: list[ModelModule]) -> set[str]:
    """The class names mapped more than once."""
    counts = Counter(cls.name for plan in plans for cls in plan.classes)
    return {name for name, count in counts.items() if count > 1}


def _new_module(module: Module, rng: random.Random) -> ModelModule:
    mapped_style = rng.random() < 0.7
    return ModelModule(
        module=module,
        spelling=rng.choice(("name", "name", "name", "orm", "sa")),
        mapped_style=mapped_style,
        future_annotations=mapped_style and rng.random() < 0.5,
        migrated=rng.random() < 0.22,
    )


def _add_classes(plans: list[ModelModule], rng: random.Random) -> None:
    taken: set[str] = set()
    tables: set[str] = set()
    for plan in plans:
        domain = plan.module.domain
        assert domain is not None
        for suffix in _suffixes(plan, rng):
            name = domain.stem + suffix
            if name in taken:
                name = "".join(word.capitalize() for word in domain.app.split("_")) + name
            if name in taken:
                continue
            taken.add(name)
            plan.classes.append(_new_class(name, plan, tables, rng))


def _suffixes(plan: ModelModule, rng: random.Random) -> list[str]:
    count = rng.choice((1, 2, 2, 3, 3, 4))
    first = [""] if plan.module.name.endswith((".models", ".core")) else []
    rest = rng.sample(words.CLASS_SUFFIXES[1:], count - len(first))
    return first + rest


def _new_class(name: str, plan: ModelModule, tables: set[str], rng: random.Random) -> MappedClass:
    domain = plan.module.domain
    assert domain is not None
    table, suffix = f"{domain.app}_{domain.plural}_{snake(name)}", 2
    while table in tables:
        table, suffix = f"{domain.app}_{domain.plural}_{snake(name)}_{suffix}", suffix + 1
    tables.add(table)
    columns = sorted(rng.sample(DATA_COLUMNS, rng.randint(2, 7)), key=DATA_COLUMNS.index)
    return MappedClass(name, plan.module.name, table, columns)


def _add_ambiguous_twins(plans: list[ModelModule], rng: random.Random) -> None:
    tables = {cls.table for plan in plans for cls in plan.classes}
    count = min(len(words.AMBIGUOUS_NAMES), max(1, len(plans) // 30))
    for name in words.AMBIGUOUS_NAMES[:count]:
        for plan in rng.sample(plans, min(2, len(plans))):
            plan.classes.append(_new_class(name, plan, tables, rng))


class _RelationshipPlanner:
    def __init__(self, plans: list[ModelModule], rng: random.Random, locality: float) -> None:
        self.plans = plans
        self.rng = rng
        self.locality = locality  # how often a parent is picked from the child's own app
        self.by_module = {plan.module.name: plan for plan in plans}
        self.classes = [cls for plan in plans for cls in plan.classes]
        self.ambiguous = ambiguous_names(plans)
        self.pairs: set[frozenset[str]] = set()
        self.imports: dict[str, set[str]] = {plan.module.name: set() for plan in plans}
        # The classes planned so far, by module and by app, in planning order.
        self.earlier_in_module: dict[str, list[MappedClass]] = {}
        self.earlier_in_app: dict[str, list[MappedClass]] = {}

    def plan(self) -> None:
        for index, child in enumerate(self.classes):
            for _ in range(self.rng.choice((0, 1, 1, 1, 2)) if index else 0):
                parent = self._pick_parent(child, self.classes[:index])
                if parent is not None:
                    self._one_to_many(parent, child)
            if self.rng.random() < 0.07 and child.name not in self.ambiguous:
                self._self_reference(child)
            if index and self.rng.random() < 0.05:
                self._many_to_many(child, self.rng.choice(self._wider(child, self.classes[:index])))
            self.earlier_in_module.setdefault(child.module, []).append(child)
            self.earlier_in_app.setdefault(self._app(child), []).append(child)

    def _pick_parent(self, child: MappedClass, earlier: list[MappedClass]) -> MappedClass | None:
        same_module = self.earlier_in_module.get(child.module, [])
        pool = same_module if same_module and self.rng.random() < 0.3 else None
        parent = self.rng.choice(pool or self._wider(child, earlier))
        key = frozenset((parent.dotted, child.dotted))
        if key in self.pairs or parent is child:
            return None
        self.pairs.add(key)
        return parent

    def _wider(self, child: MappedClass, earlier: list[MappedClass]) -> list[MappedClass]:
        """Where a parent from another module comes from: mostly the child's app, in a monorepo."""
        same_app = self.earlier_in_app.get(self._app(child), [])
        if self.locality and same_app and self.rng.random() < self.locality:
            return same_app
        return earlier

    def _app(self, cls: MappedClass) -> str:
        domain = self.by_module[cls.module].module.domain
        assert domain is not None
        return domain.app

    def _one_to_many(self, parent: MappedClass, child: MappedClass) -> None:
        fk = child.free_attribute(f"{snake(parent.name)}_id")
        child.foreign_keys.append((fk, parent.table))
        shape = self.rng.choices(("both", "child", "parent"), (0.72, 0.16, 0.12))[0]
        many_side = parent.free_attribute(plural(snake(child.name)))
        one_side = child.free_attribute(fk[: -len("_id")])
        if shape in ("both", "child"):
            back = many_side if shape == "both" else None
            child.relationships.append(
                Relationship(one_side, parent, self._dotted(child, parent), False, back)
            )
        if shape in ("both", "parent"):
            back = one_side if shape == "both" else None
            parent.relationships.append(
                Relationship(many_side, child, self._dotted(parent, child), True, back)
            )
        if parent.module != child.module and self.rng.random() < 0.3:
            self._import_child_module(parent, child)

    def _self_reference(self, cls: MappedClass) -> None:
        cls.foreign_keys.append((cls.free_attribute("parent_id"), cls.table))
        parent_attr = cls.free_attribute("parent")
        dotted = self._dotted(cls, cls)
        cls.relationships.append(
            Relationship(parent_attr, cls, dotted, False, None, self_parent=True)
        )
        children = Relationship(cls.free_attribute("children"), cls, dotted, True, parent_attr)
        cls.relationships[-1].back_populates = children.attribute
        cls.relationships.append(children)

    def _many_to_many(self, left: MappedClass, right: MappedClass) -> None:
        key = frozenset((left.dotted, right.dotted))
        if key in self.pairs or left is right:
            return
        self.pairs.add(key)
        variable = f"{snake(left.name)}_{snake(right.name)}_links"
        table = AssociationTable(
            variable,
            f"{left.table}_{snake(right.name)}_links",
            left,
            right,
            by_name=self.rng.random() < 0.4,
        )
        self.by_module[left.module].tables.append(table)
        attribute = left.free_attribute(plural(snake(right.name)))
        dotted = self._dotted(left, right)
        left.relationships.append(Relationship(attribute, right, dotted, True, secondary=table))

    def _dotted(self, source: MappedClass, target: MappedClass) -> bool:
        if target.name in self.ambiguous:
            return True
        if self.by_module[source.module].migrated:
            return False
        return self.rng.random() < 0.9

    def _import_child_module(self, parent: MappedClass, child: MappedClass) -> None:
        """The parent's module imports the child's module, as real code does for queries."""
        importer, imported = parent.module, child.module
        if imported in self.imports[importer] or self._reaches(imported, importer):
            return
        self.imports[importer].add(imported)
        plan = self.by_module[importer]
        bound = plan.bound_names
        if child.name in bound or self.rng.random() < 0.35:
            package, _, last = imported.rpartition(".")
            alias = stem = f"{package.rpartition('.')[2]}_{last}"
            suffix = 2
            while alias in bound:
                alias, suffix = f"{stem}_{suffix}", suffix + 1
            plan.imports.append(ModuleImport(package, last, child.name, alias))
        else:
            plan.imports.append(ModuleImport(imported, child.name, child.name))

    def _reaches(self, start: str, goal: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            module = stack.pop()
            if module == goal:
                return True
            if module not in seen:
                seen.add(module)
                stack.extend(self.imports[module])
        return False


def _add_lookalikes(plans: list[ModelModule], rng: random.Random) -> None:
    ambiguous = ambiguous_names(plans)
    for plan in plans:
        if rng.random() >= 0.1:
            continue
        candidates = sorted(
            {
                rel.target.name
                for cls in plan.classes
                for rel in cls.relationships
                if rel.dotted and rel.target.module != plan.module.name
            }
            - plan.bound_names
            - ambiguous
        )
        if candidates:
            plan.lookalikes.append(rng.choice(candidates))
