"""The doctor reads the tables a module defines by walking only the statements whose lines name
`Table` or `__tablename__`: it must find what walking every node and statement finds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codemods.relationships.model_facts import FileFacts, _table_names
from codemods.relationships.sources import SourceText

REPO = Path(__file__).resolve().parents[1]


def _literal(node: object) -> object:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _last_name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def _walked(text: str) -> tuple[set[str], bool]:
    """The definition: every node and every statement of the module looked at."""
    tables: set[str] = set()
    any_table = False
    quoted = "'__tablename__'" in text or '"__tablename__"' in text
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if "Table" in text or quoted:
            if isinstance(node, ast.Call) and _last_name(node.func) == "Table":
                name = _literal(node.args[0]) if node.args else None
                any_table |= name is None
                tables.update([name] if isinstance(name, str) else [])
            elif quoted and _literal(node) == "__tablename__":
                any_table = True
        if "__tablename__" not in text:
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            any_table |= node.name == "__tablename__"
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and _statement(tree, node):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_last_name(t) == "__tablename__" for t in targets):
                name = _literal(node.value)
                any_table |= name is None
                tables.update([name] if isinstance(name, str) else [])
    return tables, any_table


def _statement(tree: ast.Module, node: ast.stmt) -> bool:
    """Whether the assignment is reached through statement blocks (not a `match` case's)."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        current = stack.pop()
        if current is node:
            return True
        for block in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(current, block, None)
            if isinstance(inner, list):
                stack.extend(s for s in inner if isinstance(s, ast.AST))
    return False


def _read(text: str) -> tuple[set[str], bool]:
    facts = FileFacts()
    _table_names(ast.parse(text), facts, SourceText(text))
    return facts.tables, facts.any_table


CASES = {
    "none": "x = 1\n",
    "a-table": "t = Table('links', meta, Column('id'))\n",
    "a-table-of-a-module": "t = sa.Table(\n    'links',\n    meta,\n)\n",
    "a-table-on-a-later-line": "t = (\n    1,\n    Table(\n        'later'),\n)\n",
    "in-a-function": "def make():\n    return Table('made', meta)\n",
    "in-a-decorator": "@register(Table('decorated', meta))\ndef f():\n    pass\n",
    "in-a-class-keyword": "class A(Base, table=Table('kw', meta)):\n    pass\n",
    "a-name-not-literal": "t = Table(name, meta)\n",
    "no-argument": "t = Table()\n",
    "a-tablename": "class A(Base):\n    id = 1\n    __tablename__ = 'a'\n",
    "an-annotated-tablename": "class A(Base):\n    __tablename__: str = 'a'\n",
    "a-computed-tablename": "class A(Base):\n    __tablename__ = prefix + 'a'\n",
    "a-tablename-function": "class A(Base):\n    @declared_attr\n    def __tablename__(cls):\n"
    "        return cls.__name__\n",
    "nested-blocks": "if x:\n    try:\n        pass\n    except E:\n        class A:\n"
    "            __tablename__ = 'deep'\n    finally:\n        pass\nelse:\n"
    "    class B:\n        __tablename__ = 'other'\n",
    "set-by-name": "setattr(A, '__tablename__', 'a')\n",
    "a-table-word-elsewhere": "# Table\nclass A:\n    __tablename__ = 'a'\n    b = Table('b')\n",
    "crlf": "class A(Base):\r\n    __tablename__ = 'a'\r\n\r\nt = Table(\r\n  'b')\r\n",
}


@pytest.mark.parametrize("text", list(CASES.values()), ids=list(CASES))
def test_the_tables_walked_are_the_whole_walk_s(text: str) -> None:
    assert _read(text) == _walked(text)


def test_the_tables_of_the_tool_and_the_backend_are_the_whole_walk_s() -> None:
    sources = sorted((REPO / "codemods").rglob("*.py")) + sorted((REPO / "backend").rglob("*.py"))
    found = 0
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert _read(text) == _walked(text), path
        found += bool(_walked(text)[0])
    assert found  # the backend defines tables


_STATEMENTS = [
    "t = Table('t{n}', meta)\n",
    "t = sa.Table(\n    'm{n}',\n    meta)\n",
    "class C{n}(Base):\n    __tablename__ = 'c{n}'\n",
    "class D{n}(Base):\n    x = 1\n    if y:\n        __tablename__ = 'd{n}'\n",
    "def f{n}():\n    return Table(name)\n",
    "@deco\ndef g{n}():\n    pass\n",
    "x{n} = '__tablename__'\n",
    "# Table __tablename__\n",
    "try:\n    pass\nexcept E:\n    __tablename__ = 'e{n}'\n",
    "y{n} = (\n    1,\n    2)\n",
]


@given(st.lists(st.sampled_from(_STATEMENTS), max_size=12))
def test_the_tables_of_any_module_are_the_whole_walk_s(statements: list[str]) -> None:
    text = "".join(s.format(n=n) for n, s in enumerate(statements))
    assert _read(text) == _walked(text)
