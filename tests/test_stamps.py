"""Stat'ing many files on every core gives exactly what stat'ing them one by one gives, and a
worker that cannot start or that dies costs time only."""

from __future__ import annotations

import array
import os
import threading
import time
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Optional

import pytest

from codemods.relationships import stamps
from codemods.relationships.stamps import Group, packed_stamps


def _one_by_one(groups: Sequence[Group]) -> list[Optional[bytes]]:
    """The definition: each name's stat, in order; None for a group with a name gone."""
    found: list[Optional[bytes]] = []
    for directory, names in groups:
        try:
            stats = [os.stat(directory + name) for name in names]
        except OSError:
            found.append(None)
            continue
        fields = [(s.st_mtime_ns, s.st_ctime_ns, s.st_size, s.st_ino) for s in stats]
        found.append(array.array("q", [v for f in fields for v in f]).tobytes())
    return found


@pytest.fixture
def groups(tmp_path: Path) -> list[Group]:
    """Directories of files of different sizes; one group names a file that is not there, one
    names its directory alone, one names nothing."""
    made: list[Group] = []
    for d in range(12):
        directory = tmp_path / f"pkg{d}"
        directory.mkdir()
        names = [f"m{i}.py" for i in range(d * 3)]
        for i, name in enumerate(names):
            (directory / name).write_text("x = 1\n" * i)
        made.append((f"{directory}{os.sep}", ("", *names)))
    made.insert(5, (f"{tmp_path}{os.sep}pkg3{os.sep}", ("m0.py", "gone.py")))
    made.insert(7, (f"{tmp_path}{os.sep}", ()))
    return made


@pytest.fixture
def always_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamps, "PARALLEL_FROM", 1)


@pytest.fixture
def forks_counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    started: list[int] = []
    fork = stamps._fork

    def counted() -> int:
        pid = fork()
        if pid > 0:
            started.append(pid)
        return pid

    monkeypatch.setattr(stamps, "_fork", counted)
    yield started


@pytest.mark.parametrize("cores", [1, 2, 3, 7])
def test_every_core_stats_what_one_would(
    groups: list[Group],
    always_forked: None,
    forks_counted: list[int],
    monkeypatch: pytest.MonkeyPatch,
    cores: int,
) -> None:
    monkeypatch.setattr(stamps, "_cores", lambda: cores)
    expected = _one_by_one(groups)
    assert expected[5] is None and expected[7] == b"", "the cases this test is for"
    assert packed_stamps(groups) == expected
    assert len(forks_counted) == min(cores, len(groups)) - 1


@pytest.mark.parametrize("cores", [1, 2, 3])
@pytest.mark.parametrize("counted", [False, True], ids=["sizes-counted-here", "sizes-given"])
def test_the_stamps_come_as_one_buffer_laid_out_group_after_group(
    groups: list[Group],
    always_forked: None,
    monkeypatch: pytest.MonkeyPatch,
    cores: int,
    counted: bool,
) -> None:
    """A failed group takes its place in the buffer, zeroed, and is named as failed."""
    monkeypatch.setattr(stamps, "_cores", lambda: cores)
    sizes = [len(names) for _, names in groups] if counted else None
    stamped = stamps.stamp_groups(groups, sizes=sizes)
    expected = _one_by_one(groups)
    assert stamped.failed == {i for i, packed in enumerate(expected) if packed is None} == {5}
    widths = [8 * stamps.FIELDS * len(names) for _, names in groups]
    assert list(stamped.offsets) == [sum(widths[:i]) for i in range(len(groups) + 1)]
    assert stamped.data == b"".join(
        p if p is not None else bytes(w) for p, w in zip(expected, widths)
    )
    assert [stamped.group(i) for i in range(len(groups))] == expected


def test_few_files_are_stat_ed_here(groups: list[Group], forks_counted: list[int]) -> None:
    assert packed_stamps(groups) == _one_by_one(groups)
    assert forks_counted == []


def test_a_process_with_threads_is_not_forked_nor_moved(
    groups: list[Group],
    always_forked: None,
    forks_counted: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another thread could hold a lock a worker would need, or take a path from where the
    process is: the stats are all made here, by whole paths."""
    moves: list[str] = []
    monkeypatch.setattr(os, "chdir", lambda path: moves.append(path))
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert packed_stamps(groups) == _one_by_one(groups)
    finally:
        stop.set()
        thread.join()
    assert forks_counted == []
    assert moves == []


def test_a_worker_that_cannot_start_costs_time_only(
    groups: list[Group], always_forked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stamps, "_cores", lambda: 3)
    monkeypatch.setattr(stamps, "_fork", lambda: -1)
    assert packed_stamps(groups) == _one_by_one(groups)


@pytest.mark.parametrize("how", ["exits-at-once", "writes-then-dies"])
def test_a_worker_that_dies_costs_time_only(
    groups: list[Group], always_forked: None, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Nothing a worker that failed wrote is taken, even what it marked as done."""

    def dying(
        groups: Sequence[Group], share: range, shared: bytearray, offsets: Sequence[int], at: int
    ) -> None:
        if how == "writes-then-dies":
            for index in share:
                shared[at + offsets[index] : at + offsets[index + 1]] = b"\x01" * (
                    offsets[index + 1] - offsets[index]
                )
                shared[index] = 1
        os._exit(3)

    monkeypatch.setattr(stamps, "_worker", dying)
    monkeypatch.setattr(stamps, "_cores", lambda: 2)
    assert packed_stamps(groups) == _one_by_one(groups)


def _late(worker: Callable[..., None], seconds: float) -> Callable[..., None]:
    def late(*args: Any) -> None:
        time.sleep(seconds)
        worker(*args)

    return late


@pytest.fixture
def stat_ed_here(monkeypatch: pytest.MonkeyPatch) -> list[Group]:
    """The groups this process stats (a forked worker appends to its own copy)."""
    found: list[Group] = []
    packed = stamps._Inside.packed

    def counted(inside: stamps._Inside, group: Group) -> Optional[bytes]:
        found.append(group)
        return packed(inside, group)

    monkeypatch.setattr(stamps._Inside, "packed", counted)
    return found


def test_a_late_worker_s_share_is_taken_by_this_process(
    groups: list[Group],
    always_forked: None,
    stat_ed_here: list[Group],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that starts late finds its share taken, from its far end, by this process."""
    monkeypatch.setattr(stamps, "_worker", _late(stamps._worker, 0.5))
    monkeypatch.setattr(stamps, "_cores", lambda: 2)
    assert packed_stamps(groups) == _one_by_one(groups)
    assert len(stat_ed_here) == len(groups), "this process stat'ed every group"


def test_a_group_both_took_is_taken_from_this_process(
    groups: list[Group], always_forked: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a worker wrote for a group this process took too is not read (here it is garbage:
    the two could have seen the file at different moments)."""

    def racing(
        groups: Sequence[Group], share: range, shared: Any, offsets: Sequence[int], at: int
    ) -> None:
        time.sleep(0.5)
        for index in share:
            shared[at + offsets[index] : at + offsets[index + 1]] = b"\x01" * (
                offsets[index + 1] - offsets[index]
            )
            shared[len(groups) + index] = 1
        os._exit(0)

    monkeypatch.setattr(stamps, "_worker", racing)
    monkeypatch.setattr(stamps, "_cores", lambda: 2)
    assert packed_stamps(groups) == _one_by_one(groups)


SHARES = [
    pytest.param([3, 3, 3, 3], 2, [range(0, 2), range(2, 4)], id="even"),
    pytest.param([10, 1, 1, 1, 1], 2, [range(0, 1), range(1, 5)], id="one-big-first"),
    pytest.param([1, 1, 1, 1, 10], 2, [range(0, 4), range(4, 5)], id="one-big-last"),
    pytest.param([2, 2, 2], 3, [range(0, 1), range(1, 2), range(2, 3)], id="one-each"),
    pytest.param([4], 3, [range(0, 1)], id="more-cores-than-groups"),
    pytest.param([0, 5, 0, 5, 0], 2, [range(0, 2), range(2, 5)], id="empty-groups"),
    pytest.param([3, 0, 9], 1, [range(0, 3)], id="one-worker"),
    pytest.param([], 1, [], id="one-worker-no-groups"),
    pytest.param([], 2, [], id="no-groups"),
]


@pytest.mark.parametrize(("sizes", "workers", "expected"), SHARES)
def test_shares_are_runs_of_about_as_many_names(
    sizes: list[int], workers: int, expected: list[range]
) -> None:
    assert stamps._shares(sizes, sum(sizes), workers) == expected


@pytest.mark.parametrize("forked", [False, True])
def test_the_stats_are_taken_from_inside_each_directory_and_this_process_moves_back(
    groups: list[Group], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, forked: bool
) -> None:
    if forked:
        monkeypatch.setattr(stamps, "PARALLEL_FROM", 1)
        monkeypatch.setattr(stamps, "_cores", lambda: 2)
        monkeypatch.setattr(stamps, "_worker", _late(stamps._worker, 0.3))  # this one takes some
    else:
        monkeypatch.setattr(stamps, "PARALLEL_FROM", 10**9)
    moves: list[str] = []
    chdir = os.chdir
    monkeypatch.setattr(os, "chdir", lambda path: moves.append(path) or chdir(path))
    monkeypatch.chdir(tmp_path / "pkg1")
    (tmp_path / "pkg1/pkg2").mkdir()
    (tmp_path / "pkg1/pkg2/m0.py").write_text("")
    relative = [("pkg2/", ("m0.py",))]  # a directory given relative to where the run is
    expected = _one_by_one([*groups, *relative, *groups])
    assert expected[len(groups)] is not None
    assert packed_stamps([*groups, *relative, *groups]) == expected
    assert os.getcwd() == str(tmp_path / "pkg1")
    assert "pkg2/" not in moves
    assert moves, "this process moved into the directories of its share"


@pytest.mark.parametrize("cores", [1, 2, 3])
def test_meanwhile_runs_once_here_before_this_process_stats(
    groups: list[Group],
    always_forked: None,
    forks_counted: list[int],
    stat_ed_here: list[Group],
    monkeypatch: pytest.MonkeyPatch,
    cores: int,
) -> None:
    """The other cores stat while this process does something else (a commit imports what
    decides it), from where the run is."""
    monkeypatch.setattr(stamps, "_cores", lambda: cores)
    calls: list[tuple[int, str, int, int]] = []
    where = os.getcwd()

    def meanwhile() -> None:
        calls.append((os.getpid(), os.getcwd(), len(stat_ed_here), len(forks_counted)))

    assert packed_stamps(groups, meanwhile=meanwhile) == _one_by_one(groups)
    assert calls == [(os.getpid(), where, 0, cores - 1)]
    assert os.getcwd() == where


def test_what_meanwhile_raises_comes_once_the_workers_are_waited_for(
    groups: list[Group],
    always_forked: None,
    forks_counted: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stamps, "_cores", lambda: 3)

    def failing() -> None:
        raise LookupError("meanwhile")

    with pytest.raises(LookupError, match="meanwhile"):
        packed_stamps(groups, meanwhile=failing)
    assert len(forks_counted) == 2
    for pid in forks_counted:
        with pytest.raises(ChildProcessError):  # reaped: no zombie is left
            os.waitpid(pid, os.WNOHANG)


def test_a_stamp_that_does_not_fit_is_a_group_that_cannot_be_stat_ed(
    groups: list[Group], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An inode past 2**63 (some file systems): the group is looked at one by one instead."""
    expected = [
        None if "m2.py" in names else packed
        for (_, names), packed in zip(groups, _one_by_one(groups))
    ]
    assert expected.count(None) > 1
    stat = os.stat

    def huge_inode(path: Any, **options: Any) -> Any:
        found = stat(path, **options)
        if not os.fspath(path).endswith("m2.py"):
            return found
        return types.SimpleNamespace(
            st_mtime_ns=found.st_mtime_ns,
            st_ctime_ns=found.st_ctime_ns,
            st_size=found.st_size,
            st_ino=found.st_ino + 2**63,
        )

    monkeypatch.setattr(os, "stat", huge_inode)
    assert packed_stamps(groups) == expected
