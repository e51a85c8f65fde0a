"""What one candidate file says before anything is decided: its syntax summarised, its
relationship references and (for the files the doctor checks) its mapped classes.

None of it depends on the decisions, so big runs analyse files on every core: worker processes
forked once the project's index is built (`analyse_all`) see the same project as this one and
send back plain, picklable results; the decisions then run in order in this process.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from typing import NamedTuple, Optional

from .find import Found, Reference, find_references
from .handout import needed_first
from .model_facts import FileFacts, read_facts
from .parallel import Result, Workers
from .project import Project
from .qualify import Resolver
from .scan import ModuleInfo, scan_module
from .sources import SourceText, parse_python


class Analysis(NamedTuple):
    info: Optional[ModuleInfo] = None  # summarised: no tree
    found: Sequence[Found] = ()
    facts: Optional[FileFacts] = None  # for the doctor's files
    error: Optional[tuple[int, int, str]] = None  # line, column, why the file cannot be parsed
    reads: tuple[str, ...] = ()  # the files a worker read for it (`Project.reads`)


class Job(NamedTuple):
    file: str
    text: str
    references: bool  # a candidate: find its relationship references
    facts: bool  # a file the doctor checks: read its mapped classes


def analyse(job: Job, project: Project, resolver: Resolver) -> Analysis:
    try:
        tree = parse_python(job.text)
    except SyntaxError as exc:
        return Analysis(error=(exc.lineno or 0, exc.offset or 0, f"cannot parse: {exc.msg}"))
    except (ValueError, RecursionError, MemoryError) as exc:
        return Analysis(error=(0, 0, f"cannot parse: {type(exc).__name__}"))
    info = scan_module(tree)
    project.set_info(job.file, info)
    source = SourceText(job.text)
    found = find_references(job.file, tree, source, resolver) if job.references else []
    facts = read_facts(job.file, tree, source, resolver) if job.facts else None
    info.summarise(loaded=any(isinstance(f, Reference) and not f.bare for f in found))
    return Analysis(info if job.references else None, found, facts)


# The project a forked worker analyses in (set before the workers start).
_PROJECT: Optional[Project] = None
_RESOLVER: Optional[Resolver] = None


def _analyse_in_worker(job: Job) -> Packed:
    global _RESOLVER
    assert _PROJECT is not None
    if _RESOLVER is None:
        _RESOLVER = Resolver(_PROJECT)
        _PROJECT.keep_at_most(WORKER_SUMMARIES)
    _PROJECT.reads = set()  # what the parent read, it knows; these it must be told
    analysis = analyse(job, _PROJECT, _RESOLVER)
    if analysis.info is not None:
        _module_scopes(analysis.found, analysis.info.bindings, None)
    _inner_scopes_named(analysis.found)
    rest = analysis._replace(info=None, reads=tuple(_PROJECT.reads))
    return Packed(pickle.dumps(analysis.info, _PROTOCOL), pickle.dumps(rest, _PROTOCOL))


def _module_scopes(found: Sequence[Found], scope: object, new: object) -> None:
    """Each reference's module scope (the last of its scopes) that is `scope`, made `new`. A
    reference's module scope is its summary's bindings: the worker sends them once, with the
    summary (None in their place), and the parent puts them back, one dictionary for both."""
    for ref in found:
        scopes = getattr(ref, "scopes", None)
        if scopes and scopes[-1] is scope:
            scopes[-1] = new


def _inner_scopes_named(found: Sequence[Found]) -> None:
    """Each reference's enclosing function and class scopes (all but the last), reduced to the
    names they bind: the decisions ask of them only whether a name is bound there
    (`Decider._binding`), and their bindings (a model's columns, with their values' syntax)
    were most of what a worker sent."""
    named: dict[int, tuple[object, dict[str, tuple[()]]]] = {}  # by the scope's id, kept alive
    for ref in found:
        scopes = getattr(ref, "scopes", None)
        if not scopes:
            continue
        for index, scope in enumerate(scopes[:-1]):
            if id(scope) not in named:
                named[id(scope)] = (scope, dict.fromkeys(scope, ()))
            scopes[index] = named[id(scope)][1]


class Packed(NamedTuple):
    """An analysis as a worker sends it: its summary and the rest, each pickled. The rest (its
    references' syntax, ten times the size as objects) waits here as bytes until its file's
    turn; the summary is unpacked when another file's decision asks for it first."""

    info: bytes
    rest: bytes

    def unpack(self) -> Analysis:
        return self.with_info(pickle.loads(self.info))

    def with_info(self, info: Optional[ModuleInfo]) -> Analysis:
        """The analysis, with the summary unpacked before."""
        analysis: Analysis = pickle.loads(self.rest)
        if info is not None:
            _module_scopes(analysis.found, None, info.bindings)
        return analysis._replace(info=info)


_PROTOCOL = pickle.HIGHEST_PROTOCOL


def analyse_all(
    jobs: list[Job],
    project: Project,
    resolver: Resolver,
    workers: Workers,
    release: bool = False,
) -> Iterator[Analysis]:
    """The jobs' analyses in order, computed ahead on every core when there are many. The
    workers are handed every job, a chunk at a time as the order to analyse them in is worked
    out (they start on the first while this process works out the rest); with `release`
    (nothing more will be asked of them during the decisions), they exit when done: the
    decisions are slower than they are, and each would otherwise hold its copy of this
    process's memory until the end."""
    global _PROJECT, _RESOLVER
    if len(jobs) < MIN_JOBS or not workers.forks:  # asked second: it imports multiprocessing
        return (analyse(job, project, resolver) for job in jobs)
    analysed = frozenset(job.file for job in jobs)
    project.prefetch([job.file for job in jobs], analysed, MIN_JOBS)
    _PROJECT, _RESOLVER = project, None
    workers.restart()  # fork anew: the workers must see the project as it is now
    order: list[int] = []
    chunks: list[Result[list[Packed]]] = []
    for index in needed_first([(job.file, job.text) for job in jobs], project):
        order.append(index)
        if len(order) % CHUNK == 0:
            chunks.append(workers.chunk(_analyse_in_worker, [jobs[i] for i in order[-CHUNK:]]))
    if len(order) % CHUNK:
        rest = order[len(chunks) * CHUNK :]
        chunks.append(workers.chunk(_analyse_in_worker, [jobs[i] for i in rest]))
    if release:
        workers.release()
    ahead = _Ahead(jobs, order, chunks, CHUNK, project)
    project.lookahead = ahead.wait_for
    return ahead


class _Ahead:
    """The workers' analyses, in order. A summary asked for before its file's turn is taken
    from its analysis if the workers have made it already (the rest of it waits packed until
    the turn); if not, the file is parsed here: waiting would leave this process idle while
    the workers analyse every file before it, when a parse costs a few milliseconds."""

    def __init__(
        self,
        jobs: Sequence[Job],
        order: Sequence[int],
        chunks: list[Result[list[Packed]]],
        size: int,
        project: Project,
    ):
        self._position = {job.file: index for index, job in enumerate(jobs)}
        self._files = [job.file for job in jobs]
        self._slot = [0] * len(order)  # where each job was handed out
        for slot, index in enumerate(order):
            self._slot[index] = slot
        self._chunks: list[Optional[Result[list[Packed]]]] = list(chunks)
        # the analyses of the chunks taken from the workers, each let go once its turn came
        self._taken: dict[int, list[Optional[Packed]]] = {}
        self._size = size
        self._project = project
        self._early: dict[int, Optional[ModuleInfo]] = {}  # summaries taken before their turn
        self._turn = 0

    def __iter__(self) -> Iterator[Analysis]:
        return self

    def __next__(self) -> Analysis:
        index = self._turn
        if index == len(self._files):
            raise StopIteration
        self._turn += 1
        at, within = divmod(self._slot[index], self._size)
        taken = self._take(at)
        packed, taken[within] = taken[within], None
        assert packed is not None
        if not any(taken):
            del self._taken[at]  # every analysis of it taken
        if index in self._early:
            return packed.with_info(self._early.pop(index))
        return packed.unpack()

    def wait_for(self, file: str) -> bool:
        """Whether `file`'s summary is now known (False: it is not one of the jobs, its turn has
        passed, or the workers have not analysed it yet)."""
        index = self._position.get(file)
        if index is None or index < self._turn:
            return False
        if index in self._early:
            return True
        at, within = divmod(self._slot[index], self._size)
        chunk = self._chunks[at]
        if chunk is not None and not chunk.done():
            return False
        packed = self._take(at)[within]
        assert packed is not None
        info = pickle.loads(packed.info)
        self._early[index] = info
        self._project.set_info(file, info)
        return True

    def _take(self, at: int) -> list[Optional[Packed]]:
        """The chunk's analyses, waited for the first time (handed out out of file order, a
        chunk's are taken over many turns: each is let go at its own)."""
        taken = self._taken.get(at)
        if taken is None:
            chunk = self._chunks[at]
            assert chunk is not None
            taken = self._taken[at] = list(chunk.result())
            self._chunks[at] = None
        return taken


CHUNK = 4  # analyses per message to a worker
# Summaries a worker holds beyond those it was forked with: enough for the modules its next
# files import, not the thousands it analyses (each would be a private copy in every worker).
WORKER_SUMMARIES = 128
MIN_JOBS = 24  # below this, forking the workers costs more than analysing here
