"""What one pass over a file's bytes records (filescan.py): the facts the project index is built
from, for every file of a sweep. A table of sources with the facts they hold, and generated
sources checked against a plain line-by-line reading of the same rules."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codemods.relationships.fileio import read_regular
from codemods.relationships.filescan import WORDS, ClassFacts, class_facts

IMPORTS = [
    (b"import a\nimport b.c, d as e\n", ("a", "b.c", "d")),
    (b"from a.b import c\nfrom . import d\nfrom .e import f\n", ("a.b",)),
    (b"    import a\n\tfrom b import c\n", ("a", "b")),  # indented: in a def or an if
    (b"x = 1; import a\n", ()),  # not at the start of its line
    (b"from importlib import reload\nimport importlib.util\n", ("importlib", "importlib.util")),
    (b"from a.import_b import c\n", ("a.import_b",)),
    (b"from a importer\nfrom b import\n", ("b",)),  # `import` must end a word
    (b"importlib.reload(x)\n# import a\n'import b'\n", ()),
    (b"import a, import_b\n", ("a", "import_b")),
    (b"import a\rfrom b import c\r\nimport d", ("a", "b", "d")),  # every line ending
    (b'"""\nimport a\n"""\n', ("a",)),  # in a string that starts its line: counted all the same
    (b"from  a\t import\tb\n", ("a",)),
    (b"import b\nimport a\nimport b\n", ("b", "a")),  # once each, in file order
]


@pytest.mark.parametrize("source, modules", IMPORTS)
def test_the_modules_imported_at_the_start_of_a_line(
    source: bytes, modules: tuple[str, ...]
) -> None:
    assert class_facts(source).imports == modules


TABLES = [
    (b'class A(Base):\n    __tablename__ = "a"\n', ("a",), ("__tablename__",)),
    (b'links = Table("links", metadata)\nx = sa.Table( "y")\n', ("links", "y"), ("Table",)),
    (b'MyTable("no")\n__tablename__\nTable\n', (), ("Table", "__tablename__")),
    (b'# Table("c")\nsecondary=links, backref="x"\n', ("c",), ("backref", "secondary", "Table")),
    (b"back_populates='a'\n", (), ("back_populates",)),
]


@pytest.mark.parametrize("source, tables, words", TABLES)
def test_the_tables_and_words_a_file_holds(
    source: bytes, tables: tuple[str, ...], words: tuple[str, ...]
) -> None:
    facts = class_facts(source)
    assert (facts.tables, facts.words) == (tables, words)


def test_the_classes_and_imperative_mappings() -> None:
    source = b"class A(Base):\n    class B:\n        pass\nsubclass C\nmapper(D, t)\n"
    facts = class_facts(source)
    assert facts == ClassFacts((("A", False), ("B", True)), ("D",), (), (), ())


_LINES = re.compile(rb"[^\r\n]*")
_FROM_LINE = re.compile(rb"from[ \t]+([\w.]+)[ \t]+import\b")
_IMPORT_LINE = re.compile(rb"import[ \t]+([\w. \t,]+)")


def _reference_imports(data: bytes) -> tuple[str, ...]:
    """The rule read plainly: each line that starts (after blanks) with `from m import` or
    `import m, ...` names its absolute modules."""
    found: dict[str, None] = {}
    for line in _LINES.findall(data):
        statement = line.lstrip(b" \t")
        from_match = _FROM_LINE.match(statement)
        import_match = _IMPORT_LINE.match(statement)
        if from_match:
            names = [from_match.group(1)]
        elif import_match:
            names = import_match.group(1).split(b",")
        else:
            continue
        for name in names:
            module = name.split()[0] if name.split() else b""
            if module and not module.startswith(b"."):
                found[module.decode()] = None
    return tuple(found)


_TABLENAME_LINE = re.compile(rb"__tablename__\s*=\s*['\"]([^'\"\n]+)['\"]")
_TABLE_CALL_LINE = re.compile(rb"(?<!\w)Table\(\s*['\"]([^'\"\n]+)['\"]")

_PIECES = [
    "import", "from", " ", "\t", "\n", "\r", "\r\n", ".", ",", "a", "b.c", "_", "importlib",
    "x = 1; ", "#", "'", "as", "(", "Table(", "Table", '"t"', "__tablename__", " = ", "secondary",
    "back_populates", "backref", "class ", "mapper", "map_imperatively",
]  # fmt: skip


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_generated_sources_hold_the_facts_the_rules_say(pieces: list[str]) -> None:
    data = "".join(pieces).encode()
    facts = class_facts(data)
    assert facts.imports == _reference_imports(data)
    assert facts.words == tuple(w for w in WORDS if w.encode() in data)
    tables = [(m.start(), m.group(1)) for m in _TABLENAME_LINE.finditer(data)]
    tables += [(m.start(), m.group(1)) for m in _TABLE_CALL_LINE.finditer(data)]
    assert facts.tables == tuple(name.decode() for _, name in sorted(tables))


def test_a_file_is_read_whole_with_the_stat_of_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    data = os.urandom(200_000)  # more than one read's worth
    path.write_bytes(data)
    read, result = read_regular(str(path))
    assert read == data and result.st_size == len(data)
    assert result.st_ino == path.stat().st_ino
    path.write_bytes(b"")
    assert read_regular(path)[0] == b""


def test_only_a_regular_file_is_read(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        read_regular(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.py")  # opening it must not wait for a writer
        with pytest.raises(OSError, match="not a regular file"):
            read_regular(tmp_path / "pipe.py")
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "missing.py")
