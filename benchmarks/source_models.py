"""Source text of a SQLAlchemy 2.x model module, from its plan.

class OrderLine(Base):
    __tablename__ = "sales_orders_order_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders_order.id"))
    order: Mapped["Order"] = relationship("acme.sales.orders.models.Order")
"""

from __future__ import annotations

import random
import re

from source_ordinary import fill_to_size, import_block, target_size
from tree_models import AssociationTable, MappedClass, ModelModule, Relationship, snake

RELATIONSHIP = {"name": "relationship", "orm": "orm.relationship", "sa": "sa.orm.relationship"}

MAPPED_COLUMNS = {
    "reference": "Mapped[str] = mapped_column(String(64), unique=True)",
    "name": "Mapped[str] = mapped_column(String(200))",
    "description": "Mapped[Optional[str]] = mapped_column(Text)",
    "amount": 'Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))',
    "quantity": "Mapped[int] = mapped_column(default=1)",
    "created_at": "Mapped[datetime.datetime] = mapped_column(DateTime, default=_utcnow)",
    "updated_at": "Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, onupdate=_utcnow)",
    "is_active": "Mapped[bool] = mapped_column(Boolean, default=True)",
    "external_id": "Mapped[Optional[str]] = mapped_column(String(64), index=True)",
    "position": "Mapped[int] = mapped_column(Integer, default=0)",
    "valid_from": "Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)",
    "valid_until": "Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)",
    "currency": 'Mapped[str] = mapped_column(String(3), default="EUR")',
}

CLASSIC_COLUMNS = {
    "reference": "Column(String(64), unique=True, nullable=False)",
    "name": "Column(String(200), nullable=False)",
    "description": "Column(Text)",
    "amount": 'Column(Numeric(12, 2), default=Decimal("0"))',
    "quantity": "Column(Integer, default=1)",
    "created_at": "Column(DateTime, default=_utcnow)",
    "updated_at": "Column(DateTime, onupdate=_utcnow)",
    "is_active": "Column(Boolean, default=True)",
    "external_id": "Column(String(64), index=True)",
    "position": "Column(Integer, default=0)",
    "valid_from": "Column(DateTime)",
    "valid_until": "Column(DateTime)",
    "currency": 'Column(String(3), default="EUR")',
}

SQLALCHEMY_NAMES = (
    "Boolean", "Column", "DateTime", "ForeignKey", "Integer", "Numeric", "String", "Table",
    "Text", "select",
)  # fmt: skip
ORM_NAMES = ("Mapped", "mapped_column", "relationship")


def model_source(plan: ModelModule, ambiguous: set[str], rng: random.Random) -> str:
    domain = plan.module.domain
    assert domain is not None
    parts = ["\n\nlogger = logging.getLogger(__name__)\n", UTCNOW]
    parts += [_table(table) for table in plan.tables]
    parts += [_lookalike(name) for name in plan.lookalikes]
    parts += [_mapped_class(plan, cls, ambiguous, rng) for cls in plan.classes]
    parts += [_query_helper(imp.reference) for imp in plan.imports]
    body = fill_to_size(parts, rng, plan.module.name, target_size(rng, 9.0))
    if plan.future_annotations:
        body = re.sub(r"Optional\[([\w.]+)\]", r"\1 | None", body)
    topic = f"{domain.app} {domain.plural}"
    return f'"""Database models for {topic}."""\n' + _imports(plan, body) + body


def _imports(plan: ModelModule, body: str) -> str:
    third_party = []
    names = [name for name in SQLALCHEMY_NAMES if _uses(body, name)]
    if names:
        third_party.append(f"from sqlalchemy import {', '.join(names)}")
    if plan.spelling == "orm" and "orm.relationship(" in body:
        third_party.append("from sqlalchemy import orm")
    if plan.spelling == "sa" and "sa.orm.relationship(" in body:
        third_party.insert(0, "import sqlalchemy as sa")
    names = [name for name in ORM_NAMES if _uses(body, name)]
    if names:
        third_party.append(f"from sqlalchemy.orm import {', '.join(names)}")
    project = ["from acme.db import Base"]
    for imp in plan.imports:
        alias = f" as {imp.alias}" if imp.alias else ""
        project.append(f"from {imp.module} import {imp.name}{alias}")
    block = import_block(body, third_party, project)
    if not plan.future_annotations:
        block = block.replace("from __future__ import annotations\n\n", "")
    return block


def _uses(body: str, name: str) -> bool:
    return re.search(rf"(?<![\w.\"]){name}(?![\w\"])", body) is not None


UTCNOW = """

def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)
"""


def _table(table: AssociationTable) -> str:
    left, right = snake(table.left.name), snake(table.right.name)
    return (
        f"\n\n{table.variable} = Table(\n"
        f'    "{table.table}",\n'
        "    Base.metadata,\n"
        f'    Column("{left}_id", ForeignKey("{table.left.table}.id"), primary_key=True),\n'
        f'    Column("{right}_id", ForeignKey("{table.right.table}.id"), primary_key=True),\n'
        ")\n"
    )


def _lookalike(name: str) -> str:
    return (
        "\n\n@dataclass(frozen=True)\n"
        f"class {name}:\n"
        f'    """A read-only view of a {snake(name).replace("_", " ")} used by exports."""\n\n'
        "    id: int\n"
        "    display_name: str\n"
    )


def _mapped_class(
    plan: ModelModule, cls: MappedClass, ambiguous: set[str], rng: random.Random
) -> str:
    columns = MAPPED_COLUMNS if plan.mapped_style else CLASSIC_COLUMNS
    lines = [
        f"\n\nclass {cls.name}(Base):\n",
        f'    """A {snake(cls.name).replace("_", " ")} record."""\n\n',
        f'    __tablename__ = "{cls.table}"\n\n',
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        if plan.mapped_style
        else "    id = Column(Integer, primary_key=True)\n",
    ]
    for column in cls.columns:
        separator = ": " if plan.mapped_style else " = "
        lines.append(f"    {column}{separator}{columns[column]}\n")
    for attribute, table in cls.foreign_keys:
        if plan.mapped_style:
            lines.append(
                f"    {attribute}: Mapped[Optional[int]] = "
                f'mapped_column(ForeignKey("{table}.id"))\n'
            )
        else:
            lines.append(f'    {attribute} = Column(Integer, ForeignKey("{table}.id"))\n')
    for rel in cls.relationships:
        lines.append(_relationship(plan, rel, ambiguous, rng))
    lines.append(_repr(cls))
    return "".join(lines)


def _relationship(
    plan: ModelModule, rel: Relationship, ambiguous: set[str], rng: random.Random
) -> str:
    target = rel.target.dotted if rel.dotted else rel.target.name
    arguments = [f'"{target}"']
    if rel.secondary is not None:
        secondary = rel.secondary
        arguments.append(
            f'secondary="{secondary.table}"'
            if secondary.by_name
            else f"secondary={secondary.variable}"
        )
    if rel.back_populates:
        arguments.append(f'back_populates="{rel.back_populates}"')
    if rel.self_parent:
        arguments.append("remote_side=[id]")
    elif rel.many and rel.secondary is None and rng.random() < 0.3:
        arguments.append('cascade="all, delete-orphan"')
    if rel.many and rel.target.name not in ambiguous and rng.random() < 0.25:
        arguments.append(f'order_by="{rel.target.name}.id"')
    if rng.random() < 0.2:
        arguments.append(f'lazy="{rng.choice(("selectin", "joined", "select"))}"')
    call = RELATIONSHIP[plan.spelling]
    annotation = _annotation(plan, rel)
    head = f"    {rel.attribute}{annotation} = {call}("
    one_line = head + ", ".join(arguments) + ")\n"
    if len(one_line) <= 100 and rng.random() < 0.7:
        return one_line
    return head + "\n" + "".join(f"        {arg},\n" for arg in arguments) + "    )\n"


def _annotation(plan: ModelModule, rel: Relationship) -> str:
    if not plan.mapped_style or rel.target.name in plan.lookalikes:
        return ""
    name = rel.target.name
    if plan.future_annotations:
        return f": Mapped[list[{name}]]" if rel.many else f": Mapped[{name} | None]"
    return f': Mapped[list["{name}"]]' if rel.many else f': Mapped[Optional["{name}"]]'


def _repr(cls: MappedClass) -> str:
    return f'\n    def __repr__(self) -> str:\n        return f"<{cls.name} id={{self.id!r}}>"\n'


def _query_helper(reference: str) -> str:
    name = snake(reference.rpartition(".")[2])
    return (
        f"\n\ndef recent_{name}_query(limit: int = 50) -> Any:\n"
        f'    """The newest {name.replace("_", " ")} rows first."""\n'
        f"    return select({reference}).order_by({reference}.id.desc()).limit(limit)\n"
    )
