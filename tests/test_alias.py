"""A module import's alias is a name its file never mentions: `mentions` answers that without a
pattern per word, and must answer as the pattern `\\b<word>\\b` does, for every text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codemods.relationships.decide import mentions


def _defined(text: bytes, word: bytes) -> bool:
    """The definition: the word between two word boundaries, anywhere."""
    return re.search(rb"\b%s\b" % re.escape(word), text) is not None


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        pytest.param(b"", b"_models", False, id="empty-text"),
        pytest.param(b"_models", b"_models", True, id="the-whole-text"),
        pytest.param(b"import _models\n", b"_models", True, id="after-a-space"),
        pytest.param(b"x = '_models'", b"_models", True, id="in-a-string"),
        pytest.param(b"x._models.y", b"_models", True, id="between-dots"),
        pytest.param(b"__models", b"_models", False, id="after-an-underscore"),
        pytest.param(b"a_models", b"_models", False, id="after-a-letter"),
        pytest.param(b"9_models", b"_models", False, id="after-a-digit"),
        pytest.param(b"_models2", b"_models", False, id="before-a-digit"),
        pytest.param(b"_models_2 = 1", b"_models", False, id="a-longer-alias"),
        pytest.param(b"_models_x _models", b"_models", True, id="the-second-occurrence"),
        pytest.param("é_models".encode(), b"_models", True, id="after-a-non-ascii-letter"),
        pytest.param("_modelsé".encode(), b"_models", True, id="before-a-non-ascii-letter"),
        pytest.param(b"_models\r\n", b"_models", True, id="before-a-newline"),
        pytest.param("x = _modèles".encode(), "_modèles".encode(), True, id="a-non-ascii-word"),
        pytest.param("_modèles_".encode(), "_modèles".encode(), False, id="non-ascii-longer"),
    ],
)
def test_mentions_as_the_pattern_does(text: bytes, word: bytes, expected: bool) -> None:
    assert mentions(text, word) is expected
    assert _defined(text, word) is expected


_PIECES = [b"_", b"a", b"m", b"1", b" ", b".", b"\n", "é".encode(), b"_m", b"am"]


@given(
    text=st.lists(st.sampled_from(_PIECES), max_size=30).map(b"".join),
    word=st.sampled_from([b"_m", b"m", b"_m_1", b"a_m", b"_", "_é".encode()]),
)
def test_mentions_is_the_pattern_on_any_text(text: bytes, word: bytes) -> None:
    assert mentions(text, word) == _defined(text, word)
