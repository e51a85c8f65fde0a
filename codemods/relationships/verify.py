"""`--verify`: import every model module alone, then all of them together, each time in a fresh
interpreter, and configure the mappers. The only part of the tool that runs project code.

saas/models.py:16:1: verify: configure_mappers() after importing saas.models alone: InvalidRequestError:
    When initializing mapper Mapper[UsageEvent(usage_events)], expression 'Subscription' failed to
    locate a name ('Subscription'). ...      (one line: the class or line to blame, the check, the error)

A model module is a project file whose bytes hold `relationship(`, `__tablename__` or `Mapped[`,
that has a module name, and is neither `exclude`d nor a test file (tests define throwaway models
and fixtures that the application never imports together).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, TextIO

from .config import Config
from .discover import is_excluded, is_test_file, project_files, relative_key
from .findings import ERROR, VERIFY, Finding, exit_code
from .output import render
from .parallel import cores
from .project import Project
from .snapshot import pristine_copy
from .spelling import import_root

TIMEOUT = 60  # seconds for one interpreter to import its modules and configure
MODEL_MARKERS = (b"relationship(", b"__tablename__", b"Mapped[")
_CHILD = (Path(__file__).parent / "verify_child.py").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Module:
    key: str  # the file, relative to the project root
    name: str  # its dotted name under `root`
    root: str  # the import root it is named under ("" is the project root)


@dataclass
class Verification:
    findings: list[Finding] = field(default_factory=list)
    alone: int = 0
    together: int = 0
    caused: int = 0  # failures the rewrite caused (known only with a pristine copy)

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings)


def sqlalchemy_missing() -> Optional[str]:
    """Why the checks cannot run in this interpreter, if they cannot."""
    try:
        if importlib.util.find_spec("sqlalchemy") is not None:
            return None
    except (ImportError, ValueError):
        pass
    return (
        f"--verify imports the project with this interpreter ({sys.executable}), which cannot "
        "import sqlalchemy; install it where fix-relationships runs"
    )


def module_of(project: Project, key: str) -> Optional[Module]:
    """The module name the file is imported by: the longest name the project's own imports use
    for it, else the name under the first `src` root that holds it, else under the root that the
    codemod spells the file's own imports from."""
    imported = project.import_names(key)
    if imported:
        longest = max(imported, key=len)
        parts = key[: -len(".py")].split("/")
        if parts[-1] == "__init__":
            parts.pop()
        return Module(key, longest, "/".join(parts[: len(parts) - len(longest.split("."))]))
    roots = [r for r in project.src if project.name_under(key, r) is not None]
    root = roots[0] if roots else import_root(project, key, key)
    name = project.name_under(key, root) if root is not None else None
    return Module(key, ".".join(name), root) if name and root is not None else None


def model_modules(project: Project, exclude: Sequence[str]) -> list[Module]:
    """One file per module name (a name shadowed by another root is imported once), by name."""
    found: dict[str, Module] = {}
    for key in project.files:
        if is_excluded(key, exclude) or is_test_file(key):
            continue
        try:
            data = project.read(key)
        except OSError:
            continue
        module = module_of(project, key) if any(m in data for m in MODEL_MARKERS) else None
        if module is not None:
            found.setdefault(module.name, module)
    return [found[name] for name in sorted(found)]


def _environment(project: Project, modules: Sequence[Module], root: Path) -> dict[str, str]:
    """`PYTHONPATH`: every `src` root, the roots the checked modules are named under, the
    project root, then whatever was already there."""
    own = [import_root(project, m.key, m.key) for m in modules]  # where their imports resolve
    roots = list(
        dict.fromkeys([*project.src, *(m.root for m in modules), *(r for r in own if r), ""])
    )
    paths = [str(root / r) if r else str(root) for r in roots]
    inherited = os.environ.get("PYTHONPATH")
    paths.extend([inherited] if inherited else [])
    # Leave the project tree as it was: no __pycache__ directories.
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "PYTHONDONTWRITEBYTECODE": "1"}


def run_check(root: Path, names: Sequence[str], env: dict[str, str]) -> dict[str, Any]:
    """Import `names` and configure in a fresh interpreter: verify_child.py's record."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, *names],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return {"stage": "timeout", "error": f"did not finish within {TIMEOUT} s"}
    except OSError as exc:
        return {"stage": "start", "error": f"cannot start {sys.executable}: {exc.strerror or exc}"}
    try:
        record = json.loads(done.stdout)
    except ValueError:
        record = None
    if isinstance(record, dict) and isinstance(record.get("stage"), str):
        return record
    # The project ended the interpreter (os._exit, a crash) before the child could answer.
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    last = f": {lines[-1]}" if lines else ""
    error = f"the interpreter exited with code {done.returncode} before answering{last}"
    return {"stage": "crash", "error": error}


def _project_place(project: Project, places: Sequence[Sequence[Any]]) -> Optional[tuple[str, int]]:
    """The innermost place that is a project file: the line that raised, or the failed class."""
    for filename, line in reversed(places):
        key = relative_key(Path(filename), project.root)
        if key in project.file_set:
            return key, int(line)
    return None


def _subject(job: Sequence[Module], together: bool, failed: Optional[str]) -> tuple[str, str]:
    """What the check imported, in words, and the file to name when no project line is to blame."""
    if not together:
        return f"{job[0].name} alone", job[0].key
    culprit = next((m for m in job if m.name == failed), None)
    if culprit is not None:
        return f"{culprit.name} with the other model modules", culprit.key
    return f"the {len(job)} model module(s) together", "."


def _finding(project: Project, record: dict[str, Any], subject: str, fallback: str) -> Finding:
    stage = record["stage"]
    if stage == "import":
        what = f"importing {subject}"
    elif stage == "configure":
        what = f"configure_mappers() after importing {subject}"
    else:
        what = f"importing {subject} and configuring"
    key, line = _project_place(project, record.get("places", [])) or (fallback, 0)
    kind = ERROR if stage == "start" else VERIFY
    return Finding(key, line, 1 if line else 0, kind, f"{what}: {record['error']}", "FR903")


def _check_all(project: Project, jobs: list[list[Module]], root: Path) -> list[dict[str, Any]]:
    """Every check in its own interpreter, as many at a time as there are cores."""
    env = _environment(project, [m for job in jobs for m in job], root)
    workers = max(1, min(cores(), len(jobs)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: run_check(root, [m.name for m in job], env), jobs))


def _failed_before(record: dict[str, Any], before: dict[str, Any]) -> bool:
    """Whether the untouched tree failed the same check at the same stage (importing or
    configuring; the message may differ, since the rewrite respells the strings it names)."""
    return bool(before["stage"] == record["stage"])


def verify(
    root: Path,
    config: Config,
    verbose: bool = False,
    out: Optional[TextIO] = None,
    err: Optional[TextIO] = None,
    quiet: bool = False,
    output_format: str = "full",
    cwd: Optional[Path] = None,
    originals: Optional[Mapping[str, bytes]] = None,
) -> Verification:
    """Check every model module alone, then all of them together; print what failed. With
    `originals` (what the files the run rewrote held before), each failure says whether the
    rewrite caused it or the untouched tree had it too."""
    out = out or sys.stdout
    err = err or sys.stderr
    project = Project(root, project_files(root), config.src)
    models = model_modules(project, config.exclude)
    jobs = [[m] for m in models] + ([models] if models else [])
    result = Verification(alone=len(models), together=len(models))
    records = _check_all(project, jobs, root)
    failed = [i for i, record in enumerate(records) if record["stage"] != "ok"]
    before: dict[int, dict[str, Any]] = {}
    if originals and failed:
        with pristine_copy(root, originals) as pristine:
            earlier = _check_all(project, [jobs[i] for i in failed], pristine)
        before = dict(zip(failed, earlier))
    for index, (job, record) in enumerate(zip(jobs, records)):
        together = job is models
        if verbose:
            subject = _subject(job, together, None)[0]
            names = f" ({', '.join(m.name for m in job)})" if together else ""
            status = "ok" if record["stage"] == "ok" else "failed"
            print(f"Verifying {subject}{names}: {status}", file=err)
        if record["stage"] != "ok":
            subject, fallback = _subject(job, together, record.get("module"))
            finding = _finding(project, record, subject, fallback)
            if index in before:
                had = _failed_before(record, before[index])
                cause = "the tree had it before the rewrite" if had else "caused by the rewrite"
                result.caused += 0 if had else 1
                finding = finding._replace(message=f"{finding.message} ({cause})")
            result.findings.append(finding)
    if cwd is not None:  # findings name project keys; show them from where the user stands
        result.findings = [
            f._replace(path=os.path.relpath(root / f.path, cwd)) for f in result.findings
        ]
    out.write(render(result.findings, output_format))
    if quiet:
        return result
    caused = f", {result.caused} caused by the rewrite" if originals else ""
    print(
        f"fix-relationships: verified {result.alone} module(s) alone and {result.together} "
        f"model module(s) together, {len(result.findings)} failure(s){caused}",
        file=err,
    )
    return result
