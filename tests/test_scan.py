"""`loaded_names` and `annotation_names` walk a candidate's tree their own, faster way: they
must find exactly the names `ast.walk` finds, in every kind of syntax; `child_nodes` and
`all_nodes` exactly the nodes `ast.iter_child_nodes` and `ast.walk` do. A summary crosses from a worker to the
parent pickled, its records in their own compact way: it must arrive the same."""

from __future__ import annotations

import ast
import pickle
import re
import sys
from pathlib import Path
from typing import Optional

import hypothesmith
import pytest
from hypothesis import given
from project_helpers import plain
from test_fuzz import fuzz_settings

from codemods.relationships.scan import (
    all_nodes,
    annotation_names,
    child_nodes,
    loaded_names,
    scan_module,
)

REPO = Path(__file__).resolve().parents[1]


def _walked(tree: ast.AST) -> frozenset[str]:
    """The definition: every `Name` that `ast.walk` meets in a `Load` context."""
    return frozenset(
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    )


def _annotations_walked(tree: ast.Module) -> frozenset[str]:
    """The definition: through the statements' blocks, every annotation of an `AnnAssign` or a
    function, walked by `ast.walk`: its names, attributes' last parts and strings' words."""
    found: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        annotations: list[Optional[ast.expr]] = []
        if isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            annotations.extend(a.annotation for a in every if a is not None)
            annotations.append(node.returns)
        for block in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, block, None)
            if isinstance(inner, list):
                stack.extend(s for s in inner if isinstance(s, ast.AST))
        for annotation in annotations:
            for sub in ast.walk(annotation) if annotation is not None else ():
                if isinstance(sub, ast.Name):
                    found.add(sub.id)
                elif isinstance(sub, ast.Attribute):
                    found.add(sub.attr)
                elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    found.update(re.findall(r"[^\W\d]\w*", sub.value))
    return frozenset(found)


def _same_both_ways(tree: ast.Module) -> bool:
    walked = list(ast.walk(tree))
    return (
        loaded_names(tree) == _walked(tree)
        and annotation_names(tree) == _annotations_walked(tree)
        and sorted(map(id, all_nodes(tree))) == sorted(map(id, walked))
        and all(child_nodes(node) == list(ast.iter_child_nodes(node)) for node in walked)
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
    assert _same_both_ways(tree)


ANNOTATED = [
    pytest.param("x: int = 1\ny: 'Order | None'\n", {"int", "Order", "None"}, id="assignments"),
    pytest.param(
        "def f(a: A, /, b: m.B, *c: 'C', d: D = 1, **e: E) -> R:\n    g: G\n",
        {"A", "m", "B", "C", "D", "E", "R", "G"},
        id="every-kind-of-parameter-and-the-body",
    ),
    pytest.param(
        "class C:\n    x: Mapped[list['Order']] = relationship()\n"
        "    async def f(self) -> 'a.b.Line': ...\n",
        {"Mapped", "list", "Order", "a", "b", "Line"},
        id="class-body-async-dotted-string",
    ),
    pytest.param(
        "if t:\n    a: A\nelse:\n    b: B\n"
        "try:\n    c: C\nexcept E:\n    d: D\nelse:\n    e: E2\nfinally:\n    f: F\n"
        "for i in x:\n    g: G\nwhile w:\n    h: H\nwith m:\n    j: J\n",
        {"A", "B", "C", "D", "E2", "F", "G", "H", "J"},
        id="blocks",
    ),
    pytest.param("x = lambda a: a\nf(y := 1)\nz: 12 = 3\n", set(), id="no-names"),
]
if sys.version_info >= (3, 10):
    ANNOTATED.append(
        pytest.param("match m:\n    case 1:\n        a: A\n", set(), id="match-cases-are-not-met")
    )


@pytest.mark.parametrize(("source", "names"), ANNOTATED)
def test_the_annotations_names_are_the_ones_ast_walk_finds(source: str, names: set[str]) -> None:
    tree = ast.parse(source)
    assert annotation_names(tree) == _annotations_walked(tree) == names


def test_the_tool_and_the_demo_backend_read_the_same_names_both_ways() -> None:
    sources = sorted((REPO / "codemods").rglob("*.py")) + sorted((REPO / "backend").rglob("*.py"))
    assert len(sources) > 40
    for path in sources:
        assert _same_both_ways(ast.parse(path.read_bytes())), path


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles code like `1()`
@fuzz_settings(max_examples=300)
@given(hypothesmith.from_grammar())
def test_generated_programs_read_the_same_names_both_ways(program: str) -> None:
    assert _same_both_ways(ast.parse(program))


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


def test_a_summary_without_its_loaded_names_says_so_once_sent() -> None:
    """Only a dotted reference's decision asks for a module's loaded names: summarised without
    them, a summary must refuse the question, also once pickled to the parent, not answer it."""
    tree = ast.parse("from m import A\nx = A\n")
    kept, unread = scan_module(tree), scan_module(tree)
    kept.summarise()
    unread.summarise(loaded=False)
    sent = [pickle.loads(pickle.dumps(i, pickle.HIGHEST_PROTOCOL)) for i in (kept, unread)]
    assert kept.loaded_names() == sent[0].loaded_names() == {"A"}
    for info in (unread, sent[1]):
        with pytest.raises(RuntimeError, match="summarised without them"):
            info.loaded_names()
