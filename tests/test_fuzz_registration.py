"""Fuzzing the registration promise: random model packages, fixed, then imported for real.

Each example is a package of 2-4 model modules with random one- and two-way relationships (bare
or dotted targets, first arguments or `Mapped[...]` annotations) and random top-level imports
between the modules. The property: after one run of the tool, every model module that the tool
did not warn about imports alone and configures in a fresh interpreter, all of them do together
in both orders, and a second run changes nothing.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st
from project_helpers import DATABASE, run_cli, run_python, write_project

pytestmark = pytest.mark.slow

CHECK_ALL = """\
import importlib, itertools, json, subprocess, sys

def check(names):
    code = (
        "import importlib, sys\\n"
        "from sqlalchemy.orm import configure_mappers\\n"
        "for name in sys.argv[1:]:\\n"
        "    importlib.import_module(name)\\n"
        "configure_mappers()\\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True)
    return done.returncode == 0, (done.stderr.strip().splitlines() or [""])[-1]

modules = {modules!r}
results = {{}}
for name in modules:
    results[name] = check([name])
for order in (modules, modules[::-1]):
    results[" ".join(order)] = check(order)
print(json.dumps(results))
"""


@dataclass(frozen=True)
class Link:
    """A relationship from class `source` to class `target`; two-way adds the other side."""

    source: int
    target: int
    dotted: bool
    annotated: bool
    two_way: bool


@dataclass(frozen=True)
class Package:
    size: int
    links: tuple[Link, ...]
    imports: tuple[tuple[int, int], ...]  # (importer, imported): a top-level `from` import

    def files(self) -> dict[str, str]:
        files = {"app/__init__.py": "", "app/models/__init__.py": "", "app/base.py": DATABASE}
        for index in range(self.size):
            files[f"app/models/m{index}.py"] = self._module(index)
        return files

    def _module(self, index: int) -> str:
        lines = [
            "from __future__ import annotations",
            "",
            "from typing import Optional",
            "",
            "from sqlalchemy import ForeignKey",
            "from sqlalchemy.orm import Mapped, mapped_column, relationship",
            "",
            "from app.base import Base",
        ]
        lines += [f"from app.models.m{j} import C{j}" for i, j in self.imports if i == index]
        lines += ["", "", f"class C{index}(Base):", f'    __tablename__ = "t{index}"']
        lines.append("    id: Mapped[int] = mapped_column(primary_key=True)")
        for number, link in enumerate(self.links):
            if link.source == index:
                lines += self._forward(number, link)
            if link.target == index and link.two_way:
                keys = f'foreign_keys="[C{link.source}.to_{number}_id]"'
                back = f'relationship("C{link.source}", back_populates="to_{number}", {keys})'
                lines.append(f"    from_{number} = {back}")
        lines += ["", "", "assert Optional  # keeps the import used"]
        return "\n".join(lines) + "\n"

    def _forward(self, number: int, link: Link) -> list[str]:
        target = f"app.models.m{link.target}.C{link.target}" if link.dotted else f"C{link.target}"
        fk = f'ForeignKey("t{link.target}.id")'
        # Two links between two tables make the join ambiguous: each names its foreign key.
        options = f"foreign_keys=[to_{number}_id]"
        if link.two_way:
            options += f', back_populates="from_{number}"'
        if link.annotated:
            field = f'    to_{number}: Mapped[Optional["{target}"]] = relationship({options})'
        else:
            field = f'    to_{number} = relationship("{target}", {options})'
        return [f"    to_{number}_id: Mapped[Optional[int]] = mapped_column({fk})", field]


@st.composite
def packages(draw: st.DrawFn) -> Package:
    size = draw(st.integers(2, 4))
    pairs = [(i, j) for i in range(size) for j in range(size) if i != j]
    links = draw(
        st.lists(
            st.builds(
                Link,
                st.just(0),
                st.just(0),
                st.booleans(),
                st.booleans(),
                st.booleans(),
            ),
            min_size=1,
            max_size=4,
        )
    )
    ends = draw(st.lists(st.sampled_from(pairs), min_size=len(links), max_size=len(links)))
    placed = tuple(
        Link(i, j, link.dotted, link.annotated, link.two_way) for link, (i, j) in zip(links, ends)
    )
    imports = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True))
    return Package(size, placed, tuple(imports))


def _unplaced(lines: list[str]) -> list[str]:
    """The warnings without where they point (the first run's own edits move lines)."""
    return [re.sub(r" line \d+:", ":", re.sub(r":\d+:\d+: ", ": ", line)) for line in lines]


def _results(root: Path, size: int) -> dict[str, list[object]]:
    modules = [f"app.models.m{i}" for i in range(size)]
    done = run_python(root, CHECK_ALL.format(modules=modules))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# Fixed examples by default, like tests/test_fuzz.py; FIX_RELATIONSHIPS_FUZZ_EXAMPLES=N draws N new.
_EXAMPLES = os.environ.get("FIX_RELATIONSHIPS_FUZZ_EXAMPLES")


@settings(
    max_examples=int(_EXAMPLES) if _EXAMPLES else 12,
    derandomize=not _EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[phase for phase in Phase if phase is not Phase.explain],
)
@given(package=packages())
def test_every_module_imports_alone_after_the_tool(
    tmp_path_factory: pytest.TempPathFactory, package: Package
) -> None:
    root = tmp_path_factory.mktemp("package")
    write_project(root, {**package.files(), "pyproject.toml": ""})
    before = _results(root, package.size)
    # Only projects that import in every order as written: the tool is not asked to fix those
    # that crash already.
    assume(all("ImportError" not in str(message) for _, message in before.values()))

    fixed = run_cli(root, "app")
    assert fixed.returncode in (0, 1), fixed.stdout + fixed.stderr
    for code in ("FR101", "FR102", "FR103", "FR401"):
        event(f"{code} {'seen' if f' {code} ' in fixed.stdout else 'not seen'}")
    warned = [line for line in fixed.stdout.splitlines() if " FR401 " in line]
    after = _results(root, package.size)
    for name, (ok, message) in after.items():
        assert "ImportError" not in str(message), (name, message, fixed.stdout)
        # A module the tool warned about stays unregistered, and so may any that loads it.
        assert ok or warned, (name, message, fixed.stdout, package)
    for name, (ok, _) in before.items():
        assert ok <= after[name][0], ("broke", name, after[name], fixed.stdout)

    again = run_cli(root, "app")
    # The same warnings (where the first run simulated its own added import, the second reads
    # it from the file: the line named may differ).
    assert again.returncode == 0
    assert _unplaced(again.stdout.splitlines()) == _unplaced(warned), again.stdout
