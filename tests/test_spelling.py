"""How a file spells an import of another (spelling.py): the roots its own imports resolve
under are worked out once per file and project, and answer as when worked out each time."""

from __future__ import annotations

from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, write_project

from codemods.relationships import spelling
from codemods.relationships.discover import project_files
from codemods.relationships.project import Project

FILES = {
    **BASE_PROJECT,
    "src/shop/__init__.py": "",
    "src/shop/orders.py": "from shop.items import Item\n",
    "src/shop/items.py": "class Item: ...\n",
}


def test_a_files_import_roots_are_worked_out_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, FILES)
    worked_out: list[str] = []
    roots_of = spelling._roots_of
    monkeypatch.setattr(
        spelling, "_roots_of", lambda project, f: worked_out.append(f) or roots_of(project, f)
    )
    project = Project(tmp_path, project_files(tmp_path))
    pairs = [("saas/models.py", "ecommerce/models.py"), ("src/shop/orders.py", "src/shop/items.py")]
    first = [spelling.spell_import(project, file, target) for file, target in pairs]
    assert first == ["ecommerce.models", "shop.items"]
    assert [spelling.spell_import(project, f, t) for f, t in pairs] == first
    assert worked_out == ["saas/models.py", "src/shop/orders.py"]
    other = Project(tmp_path, project_files(tmp_path))  # a project of its own: its own answers
    assert [spelling.spell_import(other, f, t) for f, t in pairs] == first
    assert worked_out == 2 * ["saas/models.py", "src/shop/orders.py"]
