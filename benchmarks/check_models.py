"""Import every model module of a tree, configure the mappers and round-trip rows in SQLite.

    python benchmarks/check_models.py benchmarks/.work/tree-quick

Every one-to-many relationship gets a parent and a child written and read back, and the
back-populated side must lead to the same parent: the dotted targets really resolve.
"""

from __future__ import annotations

import argparse
import datetime
import decimal
import importlib
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Mapper, RelationshipProperty, Session, configure_mappers

SAMPLE_VALUES: dict[type, Any] = {
    str: "x",
    int: 1,
    bool: True,
    decimal.Decimal: decimal.Decimal("1.00"),
    datetime.datetime: datetime.datetime(2024, 1, 1),
}


def import_models(src: Path) -> list[str]:
    sys.path.insert(0, str(src))
    names = []
    for path in sorted(src.rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        if "models" in parts and parts[-1] != "__init__":
            names.append(".".join(parts))
            importlib.import_module(names[-1])
    return names


def round_trip(base: Any) -> int:
    """Write a parent and a child through every one-to-many relationship; return how many."""
    engine = create_engine("sqlite://")
    base.metadata.create_all(engine)
    checked = 0
    for mapper in base.registry.mappers:
        for rel in mapper.relationships:
            if rel.direction.name == "ONETOMANY" and rel.mapper is not mapper:
                _write_pair(engine, mapper, rel)
                checked += 1
    return checked


def _write_pair(engine: Any, mapper: Mapper[Any], rel: RelationshipProperty[Any]) -> None:
    with Session(engine) as session:
        parent, child = _instance(mapper), _instance(rel.mapper)
        getattr(parent, rel.key).append(child)
        session.add(parent)
        session.commit()
        session.expire_all()
        loaded = session.get(rel.mapper.class_, child.id)
        back = rel.back_populates
        if back and getattr(loaded, back).id != parent.id:
            raise AssertionError(f"{mapper.class_.__name__}.{rel.key} does not round-trip")


def _instance(mapper: Mapper[Any]) -> Any:
    values = {}
    for column in mapper.columns:
        if column.nullable or column.primary_key or column.default is not None:
            continue
        values[column.key] = SAMPLE_VALUES[column.type.python_type]
    if "reference" in mapper.columns:
        values["reference"] = uuid.uuid4().hex
    return mapper.class_(**values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    args = parser.parse_args(argv)
    modules = import_models(args.tree / "src")
    configure_mappers()
    base = importlib.import_module("acme.db").Base
    checked = round_trip(base)
    print(
        f"{len(modules)} model modules, {len(base.registry.mappers)} mappers configured, "
        f"{checked} one-to-many relationships written and read back"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
