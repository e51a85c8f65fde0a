"""`loaded_names` walks a candidate's whole tree its own, faster way: it must find exactly the
names `ast.walk` finds read, in every kind of syntax. A summary crosses from a worker to the
parent pickled, its records in their own compact way: it must arrive the same."""

from __future__ import annotations

import ast
import pickle
import sys
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import given
from project_helpers import plain
from test_fuzz import fuzz_settings

from codemods.relationships.scan import loaded_names, scan_module

REPO = Path(__file__).resolve().parents[1]


def _walked(tree: ast.AST) -> frozenset[str]:
    """The definition: every `Name` that `ast.walk` meets in a `Load` context."""
    return frozenset(
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    )


CASES = [
    pytest.param("x = y\ndel z\n", {"y"}, id="store-and-del-are-not-loads"),
    pytest.param("f(a, *b, k=c, **d)\n", {"f", "a", "b", "c", "d"}, id="call-arguments"),
    pytest.param("[i for i in xs if p(i)]\n", {"i", "xs", "p"}, id="comprehension"),
    pytest.param("lambda a=d: a + e\n", {"a", "d", "e"}, id="lambda-defaults-and-body"),
    pytest.param("f'{a!r:{width}}'\n", {"a", "width"}, id="f-string-fields"),
    pytest.param(
        "@dec(arg)\nclass C(Base, metaclass=Meta):\n    x: Mapped[int] = col()\n",
        {"dec", "arg", "Base", "Meta", "Mapped", "int", "col"},
        id="class-decorators-bases-keywords-annotations",
    ),
    pytest.param(
        "def f(a: A, *b: B, c: C = dflt, **d: D) -> R:\n    global g\n    nonlocal_ = g\n",
        {"A", "B", "C", "D", "R", "dflt", "g"},
        id="function-annotations-defaults-global",
    ),
    pytest.param(
        "try:\n    pass\nexcept (E1, E2) as exc:\n    raise exc from cause\n",
        {"E1", "E2", "exc", "cause"},
        id="try-except",
    ),
    pytest.param(
        "with open(p) as (fh, other):\n    fh.read(size)\n", {"open", "p", "fh", "size"}, id="with"
    ),
    pytest.param("x = 'name_in_a_string'\nimport os.path as op\n", set(), id="no-loads"),
    pytest.param("(y := g(z))\nw[k] = v\n", {"g", "z", "w", "k", "v"}, id="walrus-subscript"),
]
if sys.version_info >= (3, 10):
    CASES.append(
        pytest.param(
            "match cmd:\n"
            "    case Point(x=0, y=yy) if guard:\n        use(yy)\n"
            "    case [first, *rest]:\n        pass\n"
            "    case {'k': v, **others} | Other.VALUE:\n        pass\n",
            {"cmd", "Point", "guard", "use", "yy", "Other"},
            id="match-patterns",
        )
    )


@pytest.mark.parametrize(("source", "names"), CASES)
def test_the_names_read_are_the_ones_ast_walk_finds(source: str, names: set[str]) -> None:
    tree = ast.parse(source)
    assert loaded_names(tree) == _walked(tree) == names


def test_the_tool_and_the_demo_backend_read_the_same_names_both_ways() -> None:
    sources = sorted((REPO / "codemods").rglob("*.py")) + sorted((REPO / "backend").rglob("*.py"))
    assert len(sources) > 40
    for path in sources:
        tree = ast.parse(path.read_bytes())
        assert loaded_names(tree) == _walked(tree), path


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles code like `1()`
@fuzz_settings(max_examples=300)
@given(hypothesmith.from_grammar())
def test_generated_programs_read_the_same_names_both_ways(program: str) -> None:
    tree = ast.parse(program)
    assert loaded_names(tree) == _walked(tree)


def test_a_summary_arrives_from_a_worker_as_it_was_made() -> None:
    sources = sorted((REPO / "codemods").rglob("*.py")) + sorted((REPO / "backend").rglob("*.py"))
    kinds: set[str] = set()
    for path in sources:
        info = scan_module(ast.parse(path.read_bytes()))
        info.summarise()
        sent = pickle.loads(pickle.dumps(info, pickle.HIGHEST_PROTOCOL))
        assert plain(sent) == plain(info), path
        for bounds in info.bindings.values():
            kinds.update(type(b.binding).__name__ for b in bounds)
    assert kinds == {"ImportedName", "ImportedModule", "Defined"}  # every kind of binding seen
