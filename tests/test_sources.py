"""`line_starts` finds where each line starts its own, faster way: it must give exactly the
offsets of the definition (a line ends at `\\r\\n`, `\\r` or `\\n`, as the tokenizer's do), and
`ast` positions must land where the parser put them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from codemods.relationships.sources import SourceText, line_starts

REPO = Path(__file__).resolve().parents[1]


def _defined(text: str) -> list[int]:
    """The definition: 0, and the end of every `\\r\\n`, `\\r` or `\\n`."""
    return [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", text)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("x = 1", id="no-newline"),
        pytest.param("\n", id="only-a-newline"),
        pytest.param("x = 1\n", id="one-line"),
        pytest.param("x = 1\ny = 2", id="no-newline-at-the-end"),
        pytest.param("\n\n\nx\n\n", id="blank-lines"),
        pytest.param("x = 1\r\ny = 2\r\n", id="crlf"),
        pytest.param("x = 1\ry = 2\r", id="cr"),
        pytest.param("a\r\nb\rc\nd\n\re", id="mixed"),
        # other characters `str.splitlines` breaks on are not line ends for the tokenizer
        pytest.param("s = 'a\u2028b\x0cc\x1dd\x85e'\nt = 1\n", id="unicode-separators"),
        pytest.param("é = 'ü'\n# ✓\nx = 1\n", id="non-ascii"),
    ],
)
def test_line_starts_are_the_definition_s(text: str) -> None:
    assert line_starts(text) == _defined(text)


def test_line_starts_on_the_tool_and_the_backend() -> None:
    sources = sorted((REPO / "codemods").rglob("*.py")) + sorted((REPO / "backend").rglob("*.py"))
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert line_starts(text) == _defined(text), path
        crlf = text.replace("\n", "\r\n")
        assert line_starts(crlf) == _defined(crlf), path


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_node_s_offset_is_where_the_parser_found_it(newline: str) -> None:
    text = newline.join(["import os", "", "x = 'é'", "class C:", "    y: 'Ü' = x", ""])
    source = SourceText(text)
    found = {
        node.value: source.segment(node)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant)
    }
    assert found == {"é": "'é'", "Ü": "'Ü'"}
