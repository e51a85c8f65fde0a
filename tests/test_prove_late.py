"""Proving a late import (registration.py): the verdict on `import <target>` at the end of a
module, for each import order, is the one Python gives. Each case is a small package whose
modules are imported, first one then another, in fresh interpreters with the late import added."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest
from project_helpers import run_python, write_project

from codemods.relationships.discover import project_files
from codemods.relationships.project import Project
from codemods.relationships.registration import Registration

# (files, the module that gets the late import, its target, the first failing import or None)
CASES = [
    pytest.param(
        {
            "pkg/__init__.py": "",
            # `Y` reaches `a` only through its star import of `b`, a module of the cycle
            "pkg/a.py": "from pkg.b import *\n",
            "pkg/b.py": "Y = 1\nimport pkg.a\n",
            "pkg/c.py": "from pkg.a import Y\n",
        },
        "pkg/a.py",
        "pkg/c.py",
        None,
        id="a-name-taken-by-a-star-import-from-the-cycle",
    ),
    pytest.param(
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "X = 1\n",
            "pkg/b.py": "from pkg.a import X\n",
        },
        "pkg/a.py",
        "pkg/b.py",
        None,
        id="two-way-after-the-names",
    ),
    pytest.param(
        {
            "pkg/__init__.py": "",
            # `from pkg import c`: the package is no module of the cycle, but c is one, and it
            # runs here, before `X` is bound
            "pkg/a.py": "from pkg import c\nX = 1\n",
            "pkg/b.py": "from pkg.a import X\n",
            "pkg/c.py": "import pkg.b\n",
        },
        "pkg/a.py",
        "pkg/b.py",
        "pkg/a.py",
        id="a-submodule-named-by-a-package-outside-the-cycle",
    ),
    pytest.param(
        {
            "pkg/__init__.py": "from pkg.names import *\n",
            "pkg/names.py": "Y = 2\n",
            # `Y` is bound in the package all along: nothing runs for it
            "pkg/a.py": "from pkg import Y\nX = 1\n",
            "pkg/b.py": "from pkg.a import X\n",
        },
        "pkg/a.py",
        "pkg/b.py",
        None,
        id="a-name-the-package-outside-the-cycle-binds",
    ),
    pytest.param(
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import pkg.c\nX = 1\n",
            "pkg/b.py": "from pkg.a import X\n",
            "pkg/c.py": "from pkg.b import *\n",
        },
        "pkg/a.py",
        "pkg/b.py",
        "pkg/a.py",
        id="a-star-import-of-the-cycle",
    ),
]

IMPORT_FIRST = """\
import importlib, sys
for name in sys.argv[1:] or {modules!r}:
    importlib.import_module(name)
print("ok")
"""


def _module(relpath: str) -> str:
    return relpath[: -len(".py")].replace("/", ".")


def _first_failing_import(root: Path, modules: list[str]) -> Optional[str]:
    """The first module (in the order given) that fails to import first, in real Python."""
    for module in modules:
        done = run_python(root, IMPORT_FIRST.format(modules=[_module(module)]))
        if done.stdout != "ok\n":
            assert "partially initialized module" in done.stderr, done.stderr
            return module
    return None


@pytest.mark.parametrize(("files", "file", "target", "failing"), CASES)
def test_the_verdict_is_the_one_python_gives(
    tmp_path: Path, files: dict[str, str], file: str, target: str, failing: Optional[str]
) -> None:
    write_project(tmp_path, files)
    project = Project(tmp_path, project_files(tmp_path))
    registration = Registration(project)
    verdict = registration.prove_late(file, target)
    cycle = sorted(f for f in files if f.endswith(".py") and not f.endswith("__init__.py"))
    late = files[file] + f"import {_module(target)} as _late\n"
    write_project(tmp_path, {**files, file: late})
    assert _first_failing_import(tmp_path, cycle) == failing
    if failing is None:
        assert verdict is None
    else:
        assert verdict is not None and verdict.startswith(f"importing {_module(failing)} first")
