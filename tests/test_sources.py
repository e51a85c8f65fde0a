"""`line_starts` and `lines_naming` find lines their own, faster way: they must give exactly
what their definitions do (a line ends at `\\r\\n`, `\\r` or `\\n`, as the tokenizer's do; the
lines naming a word are those its pattern matches on), and `ast` positions must land where the
parser put them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def _lines_defined(text: str, words: list[str], holding: str) -> list[int]:
    """The definition: the lines where the pattern `\\b(?:<words>)\\b|<holding>` matches."""
    names = "|".join(re.escape(word) for word in sorted(words))
    pattern = re.compile(rf"\b(?:{names})\b|{re.escape(holding)}")
    return SourceText(text).lines_matching(pattern)


_ALIASES = ["relationship", "relation", "dynamic_loader", "rel"]


@pytest.mark.parametrize(
    ("text", "words", "expected"),
    [
        pytest.param("x = relationship('A')\n", _ALIASES, [1], id="a-call"),
        pytest.param("a = 1\nb = rel(\n  'A')\n", _ALIASES, [2], id="an-alias-line"),
        pytest.param("relationships = 1\n", _ALIASES, [], id="a-longer-word"),
        pytest.param("my_relationship = 1\n_rel = 2\n", _ALIASES, [], id="inside-a-word"),
        pytest.param("x: Mapped[A]\ny: SAMapped[B]\n", _ALIASES, [1, 2], id="mapped-anywhere"),
        pytest.param("orm.relationship\nrelation.x\n", _ALIASES, [1, 2], id="between-dots"),
        pytest.param("érel = 1\nrelé = 2\nrel9 = 3\n", _ALIASES, [], id="unicode-word-characters"),
        pytest.param("a\r\nrel\rb\n relationship", _ALIASES, [2, 4], id="every-newline"),
        pytest.param("rel rel\nrel", _ALIASES, [1, 2], id="lines-once-each"),
        # a word that ends in a combining mark is not all word characters: the pattern decides
        pytest.param("rela\u0301 = 1\nrela\u0301x\n", ["rela\u0301"], [2], id="a-mark"),
    ],
)
def test_lines_naming_are_the_pattern_s(text: str, words: list[str], expected: list[int]) -> None:
    assert SourceText(text).lines_naming(words, "Mapped[") == expected
    assert _lines_defined(text, words, "Mapped[") == expected


_PIECES = ["rel", "relation", "ship", "_", "x", "9", "é", ".", " ", "(", "\n", "\r\n", "Mapped["]


@given(
    text=st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
    words=st.lists(st.sampled_from(_ALIASES), min_size=1, unique=True),
)
def test_lines_naming_are_the_pattern_s_on_any_text(text: str, words: list[str]) -> None:
    assert SourceText(text).lines_naming(words, "Mapped[") == _lines_defined(text, words, "Mapped[")
