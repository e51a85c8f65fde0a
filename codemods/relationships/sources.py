"""Source text as the parser sees it: bytes <-> text, and `ast` positions -> text offsets.

`ast` columns count UTF-8 bytes; splicing needs string indices. Lines end at `\\r\\n`, `\\r` or
`\\n`, as in CPython's tokenizer (not at the other characters `str.splitlines` breaks on).
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import gc
import io
import re
import tokenize
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Union

_NEWLINE = re.compile(r"\r\n|\r|\n")


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    # Syntax trees are millions of objects without cycles; letting the cyclic collector scan
    # them again and again makes parsing (and a whole run, which keeps trees) several times slower.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_python(source: Union[str, bytes]) -> ast.Module:
    """`ast.parse`, without its warnings (invalid escapes are the project's business)."""
    with warnings.catch_warnings(), no_gc():
        warnings.simplefilter("ignore")
        return ast.parse(source)


class SourceError(Exception):
    """The bytes are not text Python could read; the message says why, in one line."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(data: bytes) -> Decoded:
    if b"\0" in data:
        raise SourceError("contains NUL bytes (binary file?)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(_undecodable(exc)) from None
    except (SyntaxError, LookupError) as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as utf8_error:
            raise SourceError(_undecodable(utf8_error)) from None
        raise SourceError(f"cannot decode: {exc}") from None
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


class SourceText:
    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

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
