"""One run over the given paths: discover -> read -> prefilter -> decide in order -> write."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Optional, TextIO, Union

from .cache import FactCache, cache_key
from .config import Config
from .discover import is_excluded, key_of, project_files, relative_key, walk_entries
from .fileio import write_atomic
from .filescan import CHECKED_ARGUMENTS, ClassFacts, scan_files
from .findings import ERROR, SKIPPED, WARNING, Finding, exit_code
from .output import FULL, render
from .parallel import MIN_ITEMS, Result, Workers
from .selection import Selection
from .sources import Decoded, decode, encode, no_gc

if TYPE_CHECKING:
    from .decisions import ModuleImport
    from .model_facts import FileFacts as ModelFacts
    from .project import Project
    from .transform import Plan

WRITE, CHECK, DIFF = "write", "check", "diff"


class Options(NamedTuple):
    root: Path
    config: Config = Config()
    mode: str = WRITE
    verbose: bool = False
    parallel: bool = True
    quiet: bool = False  # only the findings: no `Rewriting` lines, no summary
    output_format: str = FULL
    cwd: Optional[Path] = None  # output paths are relative to it (default: the root)
    cache_dir: Optional[Path] = None  # where the fact cache is kept; None: no cache


class _Candidate(NamedTuple):
    path: Path
    shown: str
    key: str
    decoded: Decoded


class Report:
    """What a run found and which files it changed (or would change)."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.changed: list[str] = []
        self.changed_keys: list[str] = []  # the same files, as project keys
        self.originals: dict[str, bytes] = {}  # what the files written held, by project key

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings)


def shown_path(path: Union[str, Path], root: Path) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return str(path)


def expand_paths(paths: Sequence[str], options: Options, report: Report) -> list[tuple[str, str]]:
    """The files to look at with their project keys, once each (a symlink and its target are
    one file), sorted by key."""
    files: dict[str, str] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir() and not (given.endswith(".py") and given not in (".", "..")):
            for found, is_link in walk_entries(os.path.abspath(given)):
                files.setdefault(key_of(found, is_link, options.root), found)
            continue
        if path.is_dir():
            report.findings.append(
                Finding(given, 0, 0, ERROR, "is a directory, not a Python file", "FR901")
            )
        elif path.exists() or path.is_symlink():
            files.setdefault(relative_key(path, options.root), given)
        else:
            report.findings.append(
                Finding(given, 0, 0, ERROR, "no such file or directory", "FR901")
            )
    kept = {k: f for k, f in files.items() if not is_excluded(k, options.config.exclude)}
    return [(k, kept[k]) for k in sorted(kept)]


def _read_all(
    files: list[tuple[str, str]],
    options: Options,
    report: Report,
    workers: Workers,
    cache: FactCache,
    records: Optional[dict[str, bytes]] = None,
) -> tuple[list[_Candidate], dict[str, Optional[ClassFacts]]]:
    """Read every file once (on every core for big runs): errors, candidates, class facts;
    into `records`, the digest of each scan of a file that is not a candidate (replay.py)."""
    readable: list[tuple[str, str]] = []
    for key, path in files:
        # A key outside the project is an absolute path: for a symlink, its target's.
        if os.path.isabs(key) and os.path.islink(path):
            message = "a symlink to a file outside the project; left alone"
            report.findings.append(
                Finding(
                    shown_path(path, options.cwd or options.root), 0, 0, WARNING, message, "FR402"
                )
            )
        else:
            readable.append((key, path))
    candidates: list[_Candidate] = []
    facts: dict[str, Optional[ClassFacts]] = {}
    scans = scan_files(readable, workers, cache)
    if records is not None:
        from .replay import record_digest

        records.update(
            (k, record_digest(s)) for (k, _), s in zip(readable, scans) if s.text is None
        )
    for (key, path), scan in zip(readable, scans):
        if scan.error is not None:
            shown = shown_path(path, options.cwd or options.root)
            if scan.unrelated:
                message = f"{scan.error}; it holds no relationship() call, so it is left alone"
                report.findings.append(Finding(shown, 0, 0, WARNING, message, "FR402"))
            else:
                report.findings.append(Finding(shown, 0, 0, ERROR, scan.error, "FR901"))
            continue
        facts[key] = scan.facts
        if scan.text is not None:
            shown = shown_path(path, options.cwd or options.root)
            decoded = Decoded(scan.text, scan.encoding)
            candidates.append(_Candidate(Path(path), shown, key, decoded))
    return candidates, facts


# What the runs that end their process built (`run`'s `ending`), never let go.
_KEPT: list[object] = []


def run(
    paths: Sequence[str],
    options: Options,
    out: Optional[TextIO] = None,
    err: Optional[TextIO] = None,
    ending: bool = False,
) -> Report:
    """Fix `paths`; print to `out` and `err` (the current sys.stdout/stderr unless given).
    `ending`: the process ends after the run without freeing what it holds (the command line,
    `fix_relationships.finish`): what the run built is kept, and the cyclic collector left off,
    instead of letting go of it one by one (5-7 ms of a commit in a 50,000-file project, 40-70 ms
    at the end of a cold sweep of 5,000 files)."""
    out = out or sys.stdout
    err = err or sys.stderr
    workers = Workers(options.parallel)
    kept: Optional[list[object]] = _KEPT if ending else None
    try:
        with no_gc(restore=not ending):
            # the cache is let go while the collector is still off: back on, its first pass
            # would walk every path the cache holds (20 ms at 50,000 files)
            cache = FactCache(options.cache_dir, lambda: cache_key(options.root, options.config))
            try:
                report = _run(paths, options, out, workers, cache, kept)
            finally:  # a replayed run, or one that failed, still holds its read transaction
                cache.close()
            if kept is not None:
                kept.append(cache)
            del cache
    finally:
        workers.close()
    _print(report, options, out, err)
    return report


def _run(
    paths: Sequence[str],
    options: Options,
    out: TextIO,
    workers: Workers,
    cache: FactCache,
    kept: Optional[list[object]] = None,
) -> Report:
    """The run; what it built goes into `kept`, if given (`run`'s `ending`)."""
    report = Report()
    files = expand_paths(paths, options, report)
    listing = None
    replayed = None
    if cache.enabled and _sweep(paths, files):
        from . import replay  # here: a commit never pays for it

        listing = project_files(options.root, cache)
        replayed = replay.inputs(
            cache, options, paths, files, listing, options.root, report.findings
        )
        recalled = replay.recall(cache, replayed) if replayed else None
        if kept is not None:
            kept.extend((files, listing, replayed))
        if recalled is not None:
            report.findings, report.changed, report.changed_keys = recalled
            return report
    records: Optional[dict[str, bytes]] = {} if replayed else None
    candidates, facts = _read_all(files, options, report, workers, cache, records)
    doctor = _doctor_files(files, facts)
    project = _project(facts, options, workers, cache, listing) if candidates else None
    known: dict[str, ModelFacts] = {}
    if project is not None:
        known = _fix_all(candidates, project, options, report, out, workers, doctor)
    project = _check_relationships(
        files, doctor, known, facts, project, options, report, workers, cache, listing
    )
    selection = Selection(options.config.select, options.config.ignore)
    report.findings = [f for f in report.findings if selection.enabled(f.code)]
    cache.save(project.file_set if project is not None else None)
    if replayed and records is not None and (options.mode == CHECK or not report.changed):
        from . import replay

        reads = project.reads if project is not None else set()
        kept_report = replay.Recalled(report.findings, report.changed, report.changed_keys)
        replay.keep(cache, replayed, kept_report, reads, records)
    if kept is not None:
        kept.extend((files, candidates, facts, project, known, records))
    return report


SWEEP = 200  # files given, at least, for a run that is not a commit (as with a directory given)


def _sweep(paths: Sequence[str], files: list[tuple[str, str]]) -> bool:
    """A run over a directory or over many files (`pre-commit run --all-files` passes every
    file's name): one that may be replayed. A commit's few files are decided faster than the
    whole project could be listed."""
    return len(files) >= SWEEP or any(os.path.isdir(p) for p in paths)


def _project(
    facts: dict[str, Optional[ClassFacts]],
    options: Options,
    workers: Workers,
    cache: FactCache,
    listing: Optional[list[str]] = None,
) -> Project:
    if listing is None and cache.enabled:
        cache.stat_ahead(os.path.join(str(options.root), ""), meanwhile=_import_deciders)
    from .project import Project  # a commit in a large project imports it while it stats

    files = (
        project_files(options.root, cache if cache.enabled else None)
        if listing is None
        else listing
    )
    return Project(options.root, files, options.config.src, facts, workers, cache)


def _import_deciders() -> None:
    """The modules that decide and check the files: imported while other cores stat the
    project's files, so that a commit in a large project does not wait for both."""
    from . import analysis, decide, doctor, project, transform  # noqa: F401


def _doctor_files(
    files: list[tuple[str, str]], facts: dict[str, Optional[ClassFacts]]
) -> list[str]:
    """The given files that pass a `relationship()` argument the doctor checks."""
    keys = dict.fromkeys(key for key, _ in files)
    return [k for k in keys if set(CHECKED_ARGUMENTS) & set(getattr(facts.get(k), "words", ()))]


def _check_relationships(
    files: list[tuple[str, str]],
    keys: list[str],
    known: dict[str, ModelFacts],
    facts: dict[str, Optional[ClassFacts]],
    project: Optional[Project],
    options: Options,
    report: Report,
    workers: Workers,
    cache: FactCache,
    listing: Optional[list[str]],
) -> Optional[Project]:
    """The relationship doctor, on the given files that pass a `relationship()` argument it
    checks (after the rewrites: its lines are those of the files as they now are, so the facts
    read ahead count only for the files left as they were)."""
    if not keys:
        return project
    from .doctor import check_relationships

    given = dict(files)
    project = project or _project(facts, options, workers, cache, listing)
    written = set(report.originals)
    unchanged = {k: v for k, v in known.items() if k not in written}
    for finding in check_relationships(project, keys, unchanged):
        path = given.get(finding.path)
        shown = finding.path if path is None else shown_path(path, options.cwd or options.root)
        report.findings.append(finding._replace(path=shown))
    return project


def _fix_all(
    candidates: list[_Candidate],
    project: Project,
    options: Options,
    report: Report,
    out: TextIO,
    workers: Workers,
    doctor: list[str],
) -> dict[str, ModelFacts]:
    """Decide the files one by one, in order (analysed ahead on every core); rewrite them (in
    workers) as they are decided; each candidate's text is let go once its file is decided. The
    mapped classes read on the way, for the doctor."""
    from .analysis import Job, analyse_all
    from .decide import Decider
    from .transform import plan_file

    decider = Decider(project, options.config.placement, options.config.assume_registered)
    parallel = len(candidates) >= MIN_ITEMS // 8
    rewrite = Selection(options.config.select, options.config.ignore).enabled("FR101")
    pending = []
    held: dict[str, tuple[_Candidate, Plan]] = {}  # package __init__.py files, edited last
    hold = options.config.placement == "package-init"
    checked = set(doctor)
    jobs = [Job(c.key, c.decoded.text, True, c.key in checked) for c in candidates]
    known: dict[str, ModelFacts] = {}
    # --check rewrites nothing: the workers have no more to do once the analyses are made.
    analyses = analyse_all(jobs, project, decider.resolver, workers, options.mode == CHECK)
    for index, analysis in enumerate(analyses):
        candidate = candidates[index]
        project.reads.update(analysis.reads)
        if analysis.facts is not None:
            known[candidate.key] = analysis.facts
        decider.deciding(candidate.key, candidate.decoded)
        plan = plan_file(
            candidate.shown,
            candidate.key,
            candidate.decoded.text,
            decider,
            report.findings,
            rewrite,
            analysis,
        )
        # The file is decided: the run lets go of its text (its plan keeps it, if it has one).
        candidates[index] = candidate._replace(decoded=Decoded("", candidate.decoded.encoding))
        jobs[index] = jobs[index]._replace(text="")
        if plan is None:
            continue
        if hold and candidate.key.endswith("__init__.py"):
            held[candidate.key] = (candidate, plan)
            continue
        pending.append(_settle(candidate, plan, options, report, workers, parallel))
    for candidate, plan in _init_plans(decider.init_edits, held, project, options):
        pending.append(_settle(candidate, plan, options, report, workers, parallel))
    for item in pending:
        if item is None:
            continue
        candidate, future = item
        new_text, error = future.result()
        if error is not None:
            report.findings.append(error)
        elif new_text is not None:
            _emit(candidate, new_text, options, report, out)
    return known


def _settle(
    candidate: _Candidate,
    plan: Plan,
    options: Options,
    report: Report,
    workers: Workers,
    parallel: bool,
) -> Optional[tuple[_Candidate, Result[tuple[Optional[str], Optional[Finding]]]]]:
    """--check: the decisions settle whether the file changes; otherwise build its new text."""
    from .transform import apply_plan

    if options.mode == CHECK:
        report.changed.append(candidate.shown)
        report.changed_keys.append(candidate.key)
        return None
    return candidate, workers.submit(apply_plan, plan, parallel)


def _init_plans(
    edits: dict[str, list[ModuleImport]],
    held: dict[str, tuple[_Candidate, Plan]],
    project: Project,
    options: Options,
) -> Iterator[tuple[_Candidate, Plan]]:
    """Each package `__init__.py` with its own plan (if it had one) plus the registrations that
    `import-placement = "package-init"` put at its end."""
    import dataclasses  # here: `inspect`, which it imports, is a tenth of a commit's start

    from .decisions import ImportEdits
    from .transform import Plan

    for key in sorted(set(edits) | set(held)):
        if key in held:
            candidate, plan = held[key]
        else:
            path = options.root / key
            decoded = decode(project.read(key))
            candidate = _Candidate(
                path, shown_path(path, options.cwd or options.root), key, decoded
            )
            plan = Plan(candidate.shown, decoded.text, (), ImportEdits(), frozenset(), ())
        extra = tuple(m for m in edits.get(key, ()) if m not in plan.late)
        yield candidate, dataclasses.replace(plan, late=plan.late + extra)


def _emit(
    candidate: _Candidate, new_text: str, options: Options, report: Report, out: TextIO
) -> None:
    new_bytes = encode(new_text, candidate.decoded.encoding)
    report.changed.append(candidate.shown)
    report.changed_keys.append(candidate.key)
    if options.mode == DIFF:
        from .diff import unified_diff

        old_bytes = encode(candidate.decoded.text, candidate.decoded.encoding)
        _write_bytes(out, unified_diff(old_bytes, new_bytes, candidate.shown))
    elif options.mode == WRITE:
        try:
            write_atomic(candidate.path, new_bytes)
            report.originals[candidate.key] = encode(
                candidate.decoded.text, candidate.decoded.encoding
            )
        except OSError as exc:
            report.changed.remove(candidate.shown)
            report.changed_keys.remove(candidate.key)
            report.findings.append(
                Finding(
                    candidate.shown, 0, 0, ERROR, f"cannot write: {exc.strerror or exc}", "FR901"
                )
            )


def _write_bytes(out: TextIO, data: bytes) -> None:
    """The diff is bytes in each file's own encoding; a text stream gets them as they are."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(data.decode("utf-8", "surrogateescape"))
        return
    out.flush()
    buffer.write(data)
    buffer.flush()


def _print(report: Report, options: Options, out: TextIO, err: TextIO) -> None:
    stream = err if options.mode == DIFF else out
    listed = [f for f in report.findings if f.kind != SKIPPED or options.verbose]
    stream.write(render(listed, options.output_format))
    if options.quiet:
        return
    verb = "Rewriting" if options.mode == WRITE else "Would rewrite"
    for shown in report.changed:
        print(f"{verb} {shown}", file=err)
    print(_summary(report, options), file=err)


def _summary(report: Report, options: Options) -> str:
    counts: dict[str, int] = {}
    for finding in report.findings:
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    files = len(report.changed)
    done = "rewritten" if options.mode == WRITE else "would be rewritten"
    parts = [
        f"{counts.get('rewrite', 0)} relationship target(s) in {files} file(s) {done}",
        f"{counts.get('broken', 0)} broken",
        f"{counts.get('skipped', 0)} left alone" + ("" if options.verbose else " (-v lists them)"),
        f"{counts.get('error', 0)} error(s)",
    ]
    return "fix-relationships: " + ", ".join(parts)
