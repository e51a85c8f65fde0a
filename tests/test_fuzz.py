"""Property-based tests: random valid programs, with and without relationship() calls injected.

Whatever the module, fixing it raises nothing and reports no error, the output compiles, fixing
the output again changes nothing, and a module with nothing to do is left byte-identical. Programs
come from hypothesmith (drawn from the grammar and from LibCST's node types); the fuzzed file is
`saas/models.py` in BASE_PROJECT, read from UTF-8 bytes on disk as the command line reads it.

The examples are derandomized, so every run sees the same ones. For a longer hunt with fresh
examples: `FIX_RELATIONSHIPS_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import ast
import io
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import hypothesmith
import pytest
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st
from project_helpers import BASE_PROJECT, ECOMMERCE, dedent, write_project

from codemods.relationships.decide import Decider
from codemods.relationships.discover import project_files
from codemods.relationships.find import target_argument
from codemods.relationships.findings import ERROR, REWRITE, WARNING
from codemods.relationships.project import Project
from codemods.relationships.run import Options, run
from codemods.relationships.scan import is_type_checking_test
from codemods.relationships.sources import SourceError, decode
from codemods.relationships.transform import Outcome, fix_source

# hypothesmith compiles what it draws, and CPython warns about code such as `1()`.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::SyntaxWarning")]

MODEL = "saas/models.py"
_EXAMPLES = os.environ.get("FIX_RELATIONSHIPS_FUZZ_EXAMPLES")
_NEWLINE = re.compile(r"\r\n|\r|\n")
IMPORTS = (ast.Import, ast.ImportFrom)


def fuzz_settings(max_examples: int) -> settings:
    return settings(
        max_examples=int(_EXAMPLES) if _EXAMPLES else max_examples,
        derandomize=not _EXAMPLES,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        # Explaining a failure reruns it hundreds of times; the shrunk example is enough.
        phases=[phase for phase in Phase if phase is not Phase.explain],
    )


def _ending_in_newline(program: str) -> str:
    return program if program.endswith(("\n", "\r")) else program + "\n"


def _programs(steered: bool) -> st.SearchStrategy[str]:
    """A few hypothesmith programs one after the other: each is small, a real module longer.

    Only the first is steered towards bigger programs: a test may target each label once.
    """
    return st.builds(
        lambda first, more: "".join(_ending_in_newline(p) for p in [first, *more]),
        st.one_of(
            hypothesmith.from_grammar(auto_target=steered),
            hypothesmith.from_node(auto_target=steered),
        ),
        st.lists(
            st.one_of(
                hypothesmith.from_grammar(auto_target=False),
                hypothesmith.from_node(auto_target=False),
            ),
            max_size=2,
        ),
    )


PROGRAMS = _programs(steered=True)
MORE_PROGRAMS = _programs(steered=False)  # for a second program in the same test


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "project"
    write_project(root, {**BASE_PROJECT, "saas/sibling.py": "def helper():\n    pass\n"})
    return root


def _valid_module(text: str) -> bool:
    """Compiles on this interpreter, and reads back from UTF-8 bytes as the same text."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, MODEL, "exec", dont_inherit=True)
        return decode(text.encode("utf-8")).text == text
    except (SyntaxError, ValueError, UnicodeEncodeError, SourceError):
        return False


MISSED = "call-outside-a-body"  # the one bug that only missed a rewrite


def _fix(root: Path, text: str, placement: str = "auto") -> Outcome:
    """Write `text` as the model file and fix it in a new run, as the command line reads it."""
    path = root / MODEL
    path.write_bytes(text.encode("utf-8"))
    decider = Decider(Project(root, project_files(root)), placement)
    return fix_source(MODEL, MODEL, decode(path.read_bytes()).text, decider)


def _errors(outcome: Outcome) -> list[str]:
    return [f.format() for f in outcome.findings if f.kind == ERROR]


def _rewrites(outcome: Outcome) -> list[str]:
    return [f.format() for f in outcome.findings if f.kind == REWRITE]


def _assert_command_writes(root: Path, text: str, outcome: Outcome) -> None:
    """The command, run over the original file, writes exactly the text fix_source computed."""
    path = root / MODEL
    path.write_bytes(text.encode("utf-8"))
    report = run([str(path)], Options(root), out=io.StringIO(), err=io.StringIO())
    assert report.exit_code == (1 if outcome.new_text is not None else 0), report.findings
    assert path.read_bytes() == (outcome.new_text or text).encode("utf-8")


def _assert_stable(root: Path, outcome: Outcome, placement: str = "auto") -> None:
    """The output compiles, and a second run over it (from disk, a new Decider) changes nothing."""
    assert outcome.new_text is not None
    ast.parse(outcome.new_text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(outcome.new_text, MODEL, "exec", dont_inherit=True)
    again = _fix(root, outcome.new_text, placement)
    assert not _errors(again)
    assert not _rewrites(again)
    assert again.new_text is None


@fuzz_settings(max_examples=60)
@given(program=PROGRAMS)
def test_program_with_nothing_to_do_is_left_alone(fuzz_root: Path, program: str) -> None:
    assume(_valid_module(program))
    outcome = _fix(fuzz_root, program)
    assert not _errors(outcome)
    assert outcome.new_text is None
    _assert_command_writes(fuzz_root, program, outcome)  # the bytes on disk stay as they were


# --- random programs with relationship() calls injected ---------------------------------------


@dataclass(frozen=True)
class Spelling:
    imports: str
    setup: str  # module-level code after the imports
    callee: str


SPELLINGS = {
    "relationship": Spelling("from sqlalchemy.orm import relationship\n", "", "relationship"),
    "relationship-as-rel": Spelling("from sqlalchemy.orm import relationship as rel\n", "", "rel"),
    "orm-attribute": Spelling("from sqlalchemy import orm\n", "", "orm.relationship"),
    "sa-orm-attribute": Spelling("import sqlalchemy as sa\n", "", "sa.orm.relationship"),
    "dynamic-loader": Spelling("from sqlalchemy.orm import dynamic_loader\n", "", "dynamic_loader"),
    "flask-sqlalchemy": Spelling(
        "from flask_sqlalchemy import SQLAlchemy\n", "db = SQLAlchemy()\n", "db.relationship"
    ),
}
QUOTES = ['"', "'", 'r"', "r'"]
DOTTED = "ecommerce.models.Subscription"
# Where a call goes: {call} is the call, {i} its number, {body} the program when nested in it.
PLACES = {
    "module": "fuzz_{i} = {call}\n",
    "between-statements": "fuzz_{i} = {call}\n",
    "class": "\n\nclass Fuzz{i}(Base):\n{body}    __tablename__ = 'fuzz_{i}'\n    target = {call}\n",
    "function": "\n\ndef fuzz_{i}():\n{body}    return {call}\n",
    "method": "\n\nclass Fuzz{i}(Base):\n    def target(self):\n{body}        return {call}\n",
    "class-in-function": "\n\ndef fuzz_{i}():\n{body}    class Inner(Base):\n        target = {call}\n",
    "lambda": "fuzz_{i} = lambda: {call}\n",
    "comprehension": "fuzz_{i} = [{call} for _ in range(1)]\n",
    "default-argument": "\n\ndef fuzz_{i}(target={call}):\n{body}    return target\n",
    "lambda-default": "fuzz_{i} = lambda target={call}: target\n",
    "decorator": "\n\n@{call}\ndef fuzz_{i}():\n{body}    pass\n",
    "if-block": "if True:\n{body}    fuzz_{i} = {call}\n",
}
HOSTS = [place for place, code in PLACES.items() if "{body}" in code]
# Names the injected code relies on: a program that binds one may rightly block a rewrite.
_RELIED_ON = re.compile(
    r"(?<!\w)(?:relationship|rel|orm|sa|sqlalchemy|dynamic_loader|db|SQLAlchemy|flask_sqlalchemy"
    r"|Base|Subscription|TYPE_CHECKING)(?!\w)"
)


@dataclass(frozen=True)
class Injection:
    spelling: str
    keyword: bool  # the target passed as `argument=`
    quote: str
    place: str

    def call(self, index: int) -> str:
        prefix, quote = self.quote[:-1], self.quote[-1]
        target = f"{prefix}{quote}{DOTTED}{quote}"
        marker = f'back_populates="fuzz_{index}"'
        arguments = f"{marker}, argument={target}" if self.keyword else f"{target}, {marker}"
        return f"{SPELLINGS[self.spelling].callee}({arguments})"

    def code(self, index: int, body: str = "") -> str:
        return PLACES[self.place].format(i=index, call=self.call(index), body=body)


INJECTIONS = st.builds(
    Injection,
    st.sampled_from(sorted(SPELLINGS)),
    st.booleans(),
    st.sampled_from(QUOTES),
    st.sampled_from(sorted(PLACES)),
)


@dataclass(frozen=True)
class Layout:
    header_first: bool  # the imports before the program, or after it
    nested: bool  # the program inside the first injected class, function or block, if any
    position: int  # picks the statement that between-statements calls go before


LAYOUTS = st.builds(Layout, st.booleans(), st.booleans(), st.integers(0, 1000))


def _header(spellings: list[str]) -> str:
    imports = "".join(dict.fromkeys(SPELLINGS[s].imports for s in spellings))
    setup = "".join(dict.fromkeys(SPELLINGS[s].setup for s in spellings))
    return imports + "from core.database import Base\n" + (f"\n{setup}" if setup else "")


def _indented(program: str) -> str:
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)", _ending_in_newline(program))
    return "".join(f"    {line}" for line in lines)


def _statement_starts(program: str) -> list[int]:
    """Text offsets where a top-level statement of `program` starts its line."""
    line_starts = [0] + [m.end() for m in _NEWLINE.finditer(program)]
    starts = []
    for stmt in ast.parse(program).body:
        decorators = getattr(stmt, "decorator_list", [])
        first = decorators[0] if decorators else stmt
        if first.col_offset == (1 if decorators else 0):  # a decorator's column is after its @
            starts.append(line_starts[first.lineno - 1])
    return starts


def _between_statements(program: str, code: str, position: int) -> str:
    """`code` inserted before one top-level statement of `program`, else after them all."""
    starts = _statement_starts(program)
    if starts:
        cut = starts[position % len(starts)]
        candidate = program[:cut] + code + program[cut:]
        if _valid_module(candidate):
            return candidate
    return program + code


def _assemble(program: str, injections: list[Injection], layout: Layout) -> str:
    header = _header([i.spelling for i in injections])
    hosts = [i for i, inj in enumerate(injections) if inj.place in HOSTS]
    host = hosts[0] if layout.nested and hosts else None
    inline = [(i, inj) for i, inj in enumerate(injections) if inj.place == "between-statements"]
    top = "" if host is not None else program
    if inline:
        top = _between_statements(top, "".join(j.code(i) for i, j in inline), layout.position)
    around = "".join(
        inj.code(i, _indented(program) if i == host else "")
        for i, inj in enumerate(injections)
        if inj.place != "between-statements"
    )
    return (header + top if layout.header_first else top + header) + around


def _marked_targets(text: str) -> dict[str, tuple[object, str]]:
    """Each injected call's marker -> the value and the source text of its target."""
    found = {}
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        markers = [k.value for k in node.keywords if k.arg == "back_populates"]
        target = target_argument(node)
        if markers and isinstance(markers[0], ast.Constant) and isinstance(target, ast.Constant):
            found[markers[0].value] = (target.value, ast.get_source_segment(text, target) or "")
    return found


def _may_block_rewrites(program: str) -> bool:
    """Whether the program may bind a name the injected code relies on, or star-import one."""
    stars = any(
        isinstance(node, ast.ImportFrom) and node.names[0].name == "*"
        for node in ast.walk(ast.parse(program))
    )
    return stars or _RELIED_ON.search(unicodedata.normalize("NFKC", program)) is not None


@fuzz_settings(max_examples=100)
@given(program=PROGRAMS, injections=st.lists(INJECTIONS, min_size=1, max_size=4), layout=LAYOUTS)
def test_injected_relationships(
    fuzz_root: Path, program: str, injections: list[Injection], layout: Layout
) -> None:
    assume(_valid_module(program))
    text = _assemble(program, injections, layout)
    assume(_valid_module(text))
    outcome = _fix(fuzz_root, text)
    assert not _errors(outcome)
    rewrites = _rewrites(outcome)
    if not _may_block_rewrites(program):
        assert len(rewrites) == len(injections), outcome.findings
    event(f"targets rewritten: {len(rewrites)} of {len(injections)}")
    _assert_command_writes(fuzz_root, text, outcome)
    if outcome.new_text is None:
        assert not rewrites
        return
    _assert_stable(fuzz_root, outcome)
    before, after = _marked_targets(text), _marked_targets(outcome.new_text)
    assert before.keys() == after.keys() == {f"fuzz_{i}" for i in range(len(injections))}
    changed = [marker for marker in before if after[marker] != before[marker]]
    assert len(changed) == len(rewrites)
    for marker in changed:
        value, literal = before[marker]
        assert after[marker] == ("Subscription", literal.replace(DOTTED, "Subscription"))


# --- random programs elsewhere in the project -------------------------------------------------

SEED = f"""\
from sqlalchemy.orm import relationship

from core.database import Base


class UsageEvent(Base):
    __tablename__ = "usage_events"
    subscription = relationship("{DOTTED}", backref="usage_events")
"""


@pytest.fixture(scope="module")
def other_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-others") / "project"
    write_project(root, {**BASE_PROJECT, MODEL: SEED, "billing/__init__.py": ""})
    return root


@fuzz_settings(max_examples=30)
@given(in_target=PROGRAMS, in_other=MORE_PROGRAMS)
def test_random_programs_in_the_target_module_and_another(
    other_root: Path, in_target: str, in_other: str
) -> None:
    """The project is read, and the proof made, over random code in the modules around the file."""
    target = ECOMMERCE + "\n\n" + in_target
    assume(_valid_module(target) and _valid_module(in_other))
    (other_root / "ecommerce/models.py").write_bytes(target.encode("utf-8"))
    (other_root / "billing/models.py").write_bytes(in_other.encode("utf-8"))
    outcome = _fix(other_root, SEED)
    assert not _errors(outcome)
    if not (_may_block_rewrites(in_target) or _may_block_rewrites(in_other)):
        assert len(_rewrites(outcome)) == 1, outcome.findings
    if outcome.new_text is not None:
        _assert_stable(other_root, outcome)


# --- generated targets, quotes and layout -------------------------------------------------------

# Dotted paths and what each becomes; the generated lowercase paths name no class of the project.
KNOWN_TARGETS = {
    "ecommerce.models.Subscription": "Subscription",
    "models.Subscription": "Subscription",
    "ecommerce.models.Plan": "Plan",
    "models.Plan": "Plan",
    "Subscription": None,  # already bare: needs only the import that registers it
    "ecommerce.models.Invoice": None,  # broken: the module defines no such class
    "billing.models.Invoice": None,  # outside the project
    "ecommerce.Subscription": None,  # not the module that defines the class
}
TARGET_VALUES = st.one_of(
    st.sampled_from(sorted(k for k, v in KNOWN_TARGETS.items() if v)),
    st.sampled_from(sorted(KNOWN_TARGETS)),
    st.from_regex(r"[a-z_][a-z0-9_]{0,6}(\.[a-z_][a-z0-9_]{0,6}){0,3}", fullmatch=True),
)
# Only a plain literal whose text is its value is rewritten; the other forms are left alone.
PREFIXES = ["", "r", "R", "u", "U"]
STRING_QUOTES = ['"', "'", '"""', "'''"]
OTHER_FORMS = ["f-string", "bytes", "concatenated", "escaped", "ignore-comment"]
BEFORE_TARGET = [
    "",
    " ",
    "\n        ",
    "  # the target\n        ",
    "\n\n        ",
    " \\\n        ",
    "  # the café's 🙂 target\n        ",
]
AFTER_TARGET = ["", " ", "  # after the target\n    ", "\n    ", "  # 注释\n    "]
OTHER_ARGUMENTS = [
    "",
    ", backref='fuzz_{index}'",
    ",\n        uselist=False,\n    ",
    ", viewonly=True  # read only\n    ",
]


@dataclass(frozen=True)
class Field:
    name: str  # non-ASCII ones move the target's column in UTF-8 bytes, as `ast` counts it
    value: str
    form: str  # "plain" or one of OTHER_FORMS
    prefix: str
    quote: str
    keyword: bool
    before: str
    after: str
    rest: str

    def literal(self, value: str) -> str:
        quote = self.quote
        if self.form == "f-string":
            return f"f{quote}{value}{quote}"
        if self.form == "bytes":
            return f"b{quote}{value}{quote}"
        if self.form == "concatenated":
            head, dot, tail = value.rpartition(".")
            return f"{quote}{head}{dot}{quote} {quote}{tail}{quote}"
        if self.form == "escaped":
            return f"{quote}{value.replace('.', chr(92) + 'x2e', 1)}{quote}"
        return f"{self.prefix}{quote}{value}{quote}"

    def line(self, index: int, callee: str, rewritten: bool) -> str:
        value = self.new_value if rewritten and self.new_value else self.value
        ignore = "  # fix-relationships: ignore\n    " if self.form == "ignore-comment" else ""
        target = ("argument=" if self.keyword else "") + self.literal(value)
        rest = self.rest.format(index=index)
        return (
            f"    {self.name}_{index} = {callee}({self.before}{target}{ignore}{self.after}{rest})\n"
        )

    @property
    def new_value(self) -> Optional[str]:
        return KNOWN_TARGETS.get(self.value) if self.form == "plain" else None


FIELDS = st.builds(
    Field,
    st.sampled_from(["field", "поле", "𝔣𝔦𝔢𝔩𝔡"]),
    TARGET_VALUES,
    st.one_of(st.just("plain"), st.sampled_from(OTHER_FORMS)),
    st.sampled_from(PREFIXES),
    st.sampled_from(STRING_QUOTES),
    st.booleans(),
    st.sampled_from(BEFORE_TARGET),
    st.sampled_from(AFTER_TARGET),
    st.sampled_from(OTHER_ARGUMENTS),
)


def _model(spelling: Spelling, fields: list[Field], rewritten: bool) -> tuple[str, str]:
    """The module's imports, and the rest of it (with the targets rewritten if asked)."""
    imports = spelling.imports + "\nfrom core.database import Base\n"
    rest = f"\n\n{spelling.setup}" if spelling.setup else ""
    rest += '\n\nclass FuzzModel(Base):\n    __tablename__ = "fuzz"\n'
    rest += "".join(f.line(i, spelling.callee, rewritten) for i, f in enumerate(fields))
    return imports, rest


def _registers(field: Field) -> Optional[str]:
    """The class a field's target names and needs registered, if the tool decides it."""
    if field.new_value:
        return field.new_value
    bare_literal = field.form in ("plain", "escaped")  # escaping only touches a dot
    return "Subscription" if field.value == "Subscription" and bare_literal else None


@fuzz_settings(max_examples=200)
@given(spelling=st.sampled_from(sorted(SPELLINGS)), fields=st.lists(FIELDS, min_size=1, max_size=3))
def test_generated_targets(fuzz_root: Path, spelling: str, fields: list[Field]) -> None:
    imports, rest = _model(SPELLINGS[spelling], fields, rewritten=False)
    assert _valid_module(imports + rest)
    outcome = _fix(fuzz_root, imports + rest)
    assert not _errors(outcome)
    # The first target that needs registration gets the import; it registers the module's
    # other classes too, so the later ones need none.
    first = next((name for name in map(_registers, fields) if name), None)
    event(f"a class imported: {first is not None}")
    if first is None:
        assert outcome.new_text is None
        return
    _, fixed_rest = _model(SPELLINGS[spelling], fields, rewritten=True)
    added = f"from ecommerce.models import {first}  # noqa: F401\n"
    assert outcome.new_text == imports + added + fixed_rest
    _assert_stable(fuzz_root, outcome)


# --- generated import blocks --------------------------------------------------------------------

# Statements a module may open with; the added import has to find its place among them.
HEADER_STATEMENTS = [
    "# a comment\n",
    "\n",
    "\x0c\n",
    "import os\n",
    "import os, sys  \n",
    "import os; import sys\n",
    "import os \\\n    , sys\n",
    "from typing import TYPE_CHECKING\n",
    "import typing\n",
    "from typing import (\n    Any,\n    Optional,  # optional\n)\n",
    "from sqlalchemy.orm import relationship  # noqa\n",
    "from core.database import Base\n",
    "from core.database import Base as _Base\n",
    "from ecommerce.models import Plan\n",
    "from ecommerce.models import Plan as P  # plans\n",
    "from ecommerce.models import (\n    Plan,\n)\n",
    "from ecommerce.models import (Plan,\n                              )\n",
    "from ecommerce.models import Subscription  # noqa: E501\n",
    "from ecommerce.models import *\n",
    "from ecommerce import models\n",
    "import ecommerce.models\n",
    "import ecommerce.models as em\n",
    "from .sibling import helper\n",
    "from saas.sibling import helper\n",
    "try:\n    import ujson as json\nexcept ImportError:\n    import json\n",
    "if TYPE_CHECKING:\n    from ecommerce.models import Subscription\n",
    "if typing.TYPE_CHECKING:\n    from ecommerce.models import Plan, Subscription\n",
    "if TYPE_CHECKING:\n    pass\n",
    "if TYPE_CHECKING:\n    from ecommerce.models import Plan\nelse:\n    Plan = None\n",
    "if TYPE_CHECKING: from ecommerce.models import Plan\n",
    "if TYPE_CHECKING: from ecommerce.models import Subscription\n",
    "__all__ = ['FuzzModel']\n",
    "log = None\n",
    "def helper_here():\n    pass\n",
]
OPENINGS = ["", '"""Module docstring."""\n', "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n"]
CALLEE_IMPORTS = [
    "from sqlalchemy.orm import relationship\n",
    "from sqlalchemy.orm import (\n    relationship,\n)\n",
    "from sqlalchemy.orm import relationship; import sqlalchemy\n",
]


@dataclass(frozen=True)
class Module:
    opening: str
    future: bool
    statements: list[str]
    callee_import: str
    newline: str
    indent: str
    placement: str

    def text(self) -> str:
        future = "from __future__ import annotations\n" if self.future else ""
        head = self.opening + future + "".join(self.statements) + self.callee_import
        body = (
            "from core.database import Base\n\n\n"
            "class FuzzModel(Base):\n"
            '    __tablename__ = "fuzz"\n'
            f'    subscription = relationship("{DOTTED}")\n'
        )
        return (head + body).replace("    ", self.indent).replace("\n", self.newline)


MODULES = st.builds(
    Module,
    st.sampled_from(OPENINGS),
    st.booleans(),
    st.lists(st.sampled_from(HEADER_STATEMENTS), max_size=6),
    st.sampled_from(CALLEE_IMPORTS),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["    ", "\t", "  "]),
    st.sampled_from(["auto", "type-checking", "auto-in-a-cycle"]),
)

# ecommerce.models imports saas.models: a runtime import of Subscription would close a cycle.
CYCLE = {"ecommerce/models.py": ECOMMERCE + "\n\nimport saas.models  # noqa: E402\n"}


@pytest.fixture(scope="module")
def cycle_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-cycle") / "project"
    write_project(root, {**BASE_PROJECT, **CYCLE, "saas/sibling.py": "def helper():\n    pass\n"})
    return root


def _imports_subscription(text: str, type_checking: bool = False) -> bool:
    """Whether the module imports Subscription at runtime (or, if allowed, for type checking)."""
    body = ast.parse(text).body
    if type_checking:
        blocks = [s for s in body if isinstance(s, ast.If) and is_type_checking_test(s.test)]
        body = body + [s for block in blocks for s in block.body]
    return any(
        isinstance(stmt, ast.ImportFrom)
        and (stmt.module, stmt.level) == ("ecommerce.models", 0)
        and {a.name for a in stmt.names} & {"Subscription", "*"}
        for stmt in body
    )


def _imports_target_module(text: str) -> bool:
    """Whether the module imports ecommerce.models at runtime, which registers Subscription."""
    return any(
        (isinstance(stmt, ast.Import) and "ecommerce.models" in {a.name for a in stmt.names})
        or (isinstance(stmt, ast.ImportFrom) and stmt.module == "ecommerce.models")
        or (
            isinstance(stmt, ast.ImportFrom)
            and stmt.module == "ecommerce"
            and "models" in {a.name for a in stmt.names}
        )
        for stmt in ast.parse(text).body
    )


@fuzz_settings(max_examples=300)
@given(module=MODULES)
def test_generated_import_blocks(fuzz_root: Path, cycle_root: Path, module: Module) -> None:
    text = module.text()
    cycle = module.placement == "auto-in-a-cycle"
    root, placement = (cycle_root, "auto") if cycle else (fuzz_root, module.placement)
    assume(_valid_module(text))
    outcome = _fix(root, text, placement)
    assert not _errors(outcome)
    assert len(_rewrites(outcome)) == 1, outcome.findings
    _assert_stable(root, outcome, placement)
    new_text = outcome.new_text
    assert new_text is not None and '"Subscription"' in new_text
    event(module.placement)
    assert not any(f.kind == WARNING for f in outcome.findings), outcome.findings
    if module.placement == "type-checking" and not _imports_target_module(text):
        assert _imports_subscription(new_text, type_checking=True), new_text
        return
    # Registered at runtime: by the module's own import of ecommerce.models (then nothing is
    # added), by a new top-level import, or in the cycle by a late one.
    assert _imports_target_module(new_text), new_text
    if _imports_target_module(text):
        imported = _imports_subscription(text, type_checking=True)
        assert _imports_subscription(new_text, type_checking=True) == imported  # none added
    elif not cycle:
        assert _imports_subscription(new_text), new_text


# --- bugs the properties found ------------------------------------------------------------------


@dataclass(frozen=True)
class KnownBug:
    kind: str  # what went wrong before the fix
    source: str  # the minimal reproducer
    reason: str
    raises: Optional[type[BaseException]] = None  # what it raised before the fix
    placement: str = "auto"
    files: Optional[dict[str, str]] = None  # project files besides BASE_PROJECT


# Each was a crash, an internal error or a missed rewrite when the properties found it; fixed,
# they stay as regression cases (and the properties now cover that ground too).
FOUND_BY_FUZZING = {
    "type-checking-block-with-else": KnownBug(
        "type-checking-block-with-other-code",
        """
        from typing import TYPE_CHECKING

        from sqlalchemy.orm import relationship

        if TYPE_CHECKING:
            from ecommerce.models import Plan
        else:
            Plan = None

        subscription = relationship("ecommerce.models.Subscription")
        """,
        "safety._split rebuilds a TYPE_CHECKING block that has an else branch or a statement "
        "other than an import as an ast.If without a line number, and safety._lines raises "
        "AttributeError on it: the run stops with a traceback and fixes no later file",
        AttributeError,
    ),
    "type-checking-block-without-imports": KnownBug(
        "type-checking-block-with-other-code",
        """
        from typing import TYPE_CHECKING

        from sqlalchemy.orm import relationship

        if TYPE_CHECKING:
            Alias = int

        subscription = relationship("ecommerce.models.Subscription")
        """,
        "the same crash, for a TYPE_CHECKING block holding a type alias",
        AttributeError,
    ),
    "target-imported-in-second-type-checking-block": KnownBug(
        "target-imported-in-a-later-type-checking-block",
        """
        from typing import TYPE_CHECKING

        from sqlalchemy.orm import relationship

        if TYPE_CHECKING:
            from ecommerce.models import Plan

        if TYPE_CHECKING:
            from ecommerce.models import Subscription

        subscription = relationship("ecommerce.models.Subscription")
        """,
        "imports._drop_type_checking only looks at the first TYPE_CHECKING block, so the class "
        "stays imported in the second one and the safety check refuses the file as an internal "
        "error (exit 2, the file is not fixed)",
    ),
    "target-already-imported-for-type-checking-in-a-cycle": KnownBug(
        "target-already-imported-for-type-checking",
        """
        from typing import TYPE_CHECKING

        from sqlalchemy.orm import relationship

        if TYPE_CHECKING:
            from ecommerce.models import Subscription

        subscription = relationship("ecommerce.models.Subscription")
        """,
        "when a runtime import would close an import cycle, Decider._with_import plans an import "
        "under TYPE_CHECKING even though the block already imports the class; nothing is added, "
        "and the safety check refuses the file as an internal error (exit 2, not fixed). Two-way "
        "relationships with type-checking imports for annotations are exactly this shape",
        files=CYCLE,
    ),
    "target-already-imported-for-type-checking": KnownBug(
        "target-already-imported-for-type-checking",
        """
        from typing import TYPE_CHECKING

        from sqlalchemy.orm import relationship

        if TYPE_CHECKING:
            from ecommerce.models import Subscription

        subscription = relationship("ecommerce.models.Subscription")
        """,
        "the same internal error with import-placement = type-checking",
        placement="type-checking",
    ),
    "form-feed-in-indentation": KnownBug(
        "form-feed-in-indentation",
        """
        from sqlalchemy.orm import relationship

        try:
        \x0c    import ujson
        except ImportError:
            ujson = None

        subscription = relationship("ecommerce.models.Subscription")
        """,
        "LibCST takes the indentation of the import block, form feed included, as the "
        "module's default_indent, and Module.config_for_parsing in imports._new_import then "
        "raises ValueError: the run stops with a traceback and fixes no later file",
        ValueError,
    ),
    "target-in-a-default-argument": KnownBug(
        MISSED,
        """
        from sqlalchemy.orm import relationship


        def subscription(target=relationship("ecommerce.models.Subscription")):
            return target
        """,
        "since b843fe4 (a direct traversal instead of a NodeVisitor) the finder walks only the "
        "bodies of functions, classes and lambdas, so a call in a default, a decorator, a base "
        "class or a class keyword is silently not found: no rewrite, no finding even with -v",
    ),
    "target-in-a-decorator": KnownBug(
        MISSED,
        """
        from sqlalchemy.orm import relationship


        @relationship("ecommerce.models.Subscription")
        def subscription():
            pass
        """,
        "the same miss for a call in a decorator",
    ),
    "one-line-type-checking-block": KnownBug(
        "one-line-type-checking-block",
        """
        from typing import TYPE_CHECKING

        from sqlalchemy.orm import relationship

        if TYPE_CHECKING: from ecommerce.models import Subscription

        subscription = relationship("ecommerce.models.Subscription")
        """,
        "imports._block_body asserts that a TYPE_CHECKING block is indented; a one-line "
        "`if TYPE_CHECKING: ...` whose import is moved out raises AssertionError: the run stops "
        "with a traceback and fixes no later file",
        AssertionError,
    ),
    "one-line-type-checking-block-gets-the-import": KnownBug(
        "one-line-type-checking-block",
        """
        from typing import TYPE_CHECKING

        from sqlalchemy.orm import relationship

        if TYPE_CHECKING: from ecommerce.models import Plan

        subscription = relationship("ecommerce.models.Subscription")
        """,
        "the same crash when the import is added to a one-line TYPE_CHECKING block (with "
        "import-placement = type-checking here, or when a runtime import would close a cycle)",
        AssertionError,
        "type-checking",
    ),
}


@pytest.mark.parametrize("bug", FOUND_BY_FUZZING.values(), ids=list(FOUND_BY_FUZZING))
def test_found_by_fuzzing(project_dir: Path, bug: KnownBug) -> None:
    write_project(project_dir, {**BASE_PROJECT, **(bug.files or {})})
    outcome = _fix(project_dir, dedent(bug.source), bug.placement)
    assert not _errors(outcome)
    assert len(_rewrites(outcome)) == 1
    _assert_stable(project_dir, outcome, bug.placement)
    assert outcome.new_text is not None
    runtime = bug.placement == "auto" and not bug.files  # else under TYPE_CHECKING is right
    assert _imports_subscription(outcome.new_text, type_checking=not runtime)
