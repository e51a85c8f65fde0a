"""Source text as the parser sees it: bytes <-> text, and `ast` positions -> text offsets.

`ast` columns count UTF-8 bytes; splicing needs string indices. Lines end at `\\r\\n`, `\\r` or
`\\n`, as in CPython's tokenizer (not at the other characters `str.splitlines` breaks on).
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import gc
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from typing import TYPE_CHECKING, NamedTuple, Union

if TYPE_CHECKING:
    import ast

_NEWLINE = re.compile(r"\r\n|\r|\n")
_WORD = re.compile(r"\w+")
_WORD_CHARACTER = re.compile(r"\w")


@contextlib.contextmanager
def no_gc(restore: bool = True) -> Iterator[None]:
    # Syntax trees are millions of objects without cycles; letting the cyclic collector scan
    # them again and again makes parsing (and a whole run, which keeps trees) several times slower.
    # `restore=False`: left off (a process about to end).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled and restore:
            gc.enable()


def parse_python(source: Union[str, bytes]) -> ast.Module:
    """`ast.parse`, without its warnings (invalid escapes are the project's business)."""
    import ast

    with warnings.catch_warnings(), no_gc():
        warnings.simplefilter("ignore")
        return ast.parse(source)


class SourceError(Exception):
    """The bytes are not text Python could read; the message says why, in one line."""


class Decoded(NamedTuple):
    text: str
    encoding: str


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:#.*)?$")
_LINES = re.compile(rb"\r\n|\r|\n")


def detect_encoding(data: bytes) -> str:
    """The encoding Python reads the file in (PEP 263): a BOM, or a coding cookie on one of the
    first two lines, else UTF-8. Raises SourceError for an unknown or contradictory one."""
    bom = data.startswith(codecs.BOM_UTF8)
    lines = _LINES.split(data[3 if bom else 0 : 4096], maxsplit=2)
    found = _COOKIE.match(lines[0])
    if found is None and len(lines) > 1 and _BLANK_OR_COMMENT.match(lines[0]):
        found = _COOKIE.match(lines[1])
    if found is None:
        return "utf-8-sig" if bom else "utf-8"
    name = found.group(1).decode("ascii", "replace")
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise SourceError(f"cannot decode: unknown encoding: {name}") from None
    if codec.name == "utf-8":
        return "utf-8-sig" if bom else "utf-8"
    if bom:
        raise SourceError(f"cannot decode: a UTF-8 BOM and a coding cookie for {name}")
    return codec.name


def decode(data: bytes) -> Decoded:
    if b"\0" in data:
        raise SourceError("contains NUL bytes (binary file?)")
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(_undecodable(exc)) from None
    if text.encode(encoding) != data:
        raise SourceError(f"does not round-trip through its encoding {encoding}")
    return Decoded(text, encoding)


def _undecodable(exc: UnicodeDecodeError) -> str:
    return (
        f"not valid {exc.encoding} (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}) "
        "and no coding cookie declares another encoding"
    )


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


def line_starts(text: str) -> list[int]:
    """The offset each line starts at. Without a `\\r`, from the lengths of the lines split
    at `\\n` (a third of the time of a match object per line, for every candidate's text)."""
    if "\r" in text:
        return [0, *(match.end() for match in _NEWLINE.finditer(text))]
    lines = text.split("\n")
    lines.pop()  # what follows the last newline starts a line, and ends none
    return list(accumulate(map(_PAST_NEWLINE, map(len, lines)), initial=0))


_PAST_NEWLINE = (1).__add__  # a line's length, and its newline


def holds_a_line(stmt: ast.AST, lines: Sequence[int]) -> bool:
    """Whether one of the (1-based, sorted) line numbers is among the statement's lines, its
    decorators' included."""
    decorators = getattr(stmt, "decorator_list", ())
    start: int = min([getattr(stmt, "lineno", 0), *(d.lineno for d in decorators)])
    index = bisect.bisect_left(lines, start)
    return index < len(lines) and lines[index] <= (getattr(stmt, "end_lineno", None) or start)


class SourceText:
    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = line_starts(text)

    def lines_naming(self, words: Iterable[str], holding: str) -> list[int]:
        """The (1-based, sorted) numbers of the lines where `\\b(?:<words>)\\b|<holding>`
        matches: found by a search for each (that pattern, which starts with a boundary, is
        tried at every character of the text: seven times the time)."""
        words = sorted(words)
        if not all(_WORD.fullmatch(word) for word in words):
            names = "|".join(re.escape(word) for word in words)
            return self.lines_matching(re.compile(rf"\b(?:{names})\b|{re.escape(holding)}"))
        text = self.text
        starts = [
            match.start()
            for word in words
            for match in re.finditer(rf"{re.escape(word)}\b", text)
            if not (match.start() and _WORD_CHARACTER.match(text, match.start() - 1))
        ]
        return self._lines_of([*starts, *self._found(holding)])

    def lines_holding(self, *literals: str) -> list[int]:
        """The (1-based, sorted) numbers of the lines that hold one of the literals."""
        return self._lines_of([at for literal in literals for at in self._found(literal)])

    def _found(self, literal: str) -> Iterator[int]:
        text = self.text
        at = text.find(literal)
        while at != -1:
            yield at
            at = text.find(literal, at + 1)

    def _lines_of(self, offsets: Iterable[int]) -> list[int]:
        line_starts = self.line_starts
        return sorted({bisect.bisect_right(line_starts, offset) for offset in offsets})

    def lines_matching(self, pattern: re.Pattern[str]) -> list[int]:
        """The (1-based, sorted) numbers of the lines where `pattern` matches."""
        found: list[int] = []
        for match in pattern.finditer(self.text):
            line = bisect.bisect_right(self.line_starts, match.start())
            if not found or found[-1] != line:
                found.append(line)
        return found

    def line(self, lineno: int) -> str:
        start = self.line_starts[lineno - 1]
        end = self.line_starts[lineno] if lineno < len(self.line_starts) else len(self.text)
        return self.text[start:end]

    def offset(self, lineno: int, col: int) -> int:
        """The string index of an `ast` position (1-based line, UTF-8 byte column)."""
        line = self.line(lineno)
        if not line.isascii():
            col = len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
        return self.line_starts[lineno - 1] + col

    def column(self, lineno: int, col: int) -> int:
        """The 1-based character column of an `ast` position, as linters print it."""
        return self.offset(lineno, col) - self.line_starts[lineno - 1] + 1

    def segment(self, node: ast.expr) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def span(self, node: ast.expr) -> tuple[int, int]:
        assert node.end_lineno is not None and node.end_col_offset is not None
        return (
            self.offset(node.lineno, node.col_offset),
            self.offset(node.end_lineno, node.end_col_offset),
        )
