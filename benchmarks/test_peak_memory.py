"""peak_memory.py on real processes: a page a forked child shares with its parent counts once
in the tree's proportional set size, twice in its summed resident size."""

from __future__ import annotations

import os
import sys
import time

from peak_memory import measure, pss_kb, tree_memory_kb

MB = 1024  # in kB

# 200 MB written by the parent, then a child forked that only reads (shares) them.
_SHARED = """
import os, sys, time
data = bytearray(200 * 1024 * 1024)
for i in range(0, len(data), 4096):
    data[i] = 1
if os.fork() == 0:
    time.sleep(1.5)
    os._exit(0)
time.sleep(1.5)
os.wait()
"""


def test_pss_of_a_live_process_is_at_most_its_rss() -> None:
    sizes = tree_memory_kb(os.getpid())
    assert sizes is not None
    rss, pss, pids = sizes
    assert 0 < pss <= rss and os.getpid() in pids


def test_pss_of_a_process_that_ended_is_unknown_not_its_rss() -> None:
    assert pss_kb(2**22 + 1, 1234) is None  # beyond the kernel's pid range: no such process
    child = os.fork()
    if child == 0:
        os._exit(0)
    try:
        while open(f"/proc/{child}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
            time.sleep(0.01)
        assert pss_kb(child, 1234) is None  # a zombie's smaps_rollup holds no Pss line
        # a tree with an unreadable process is not a sample (its RSS would stand for its PSS)
        assert tree_memory_kb(os.getpid()) is None
    finally:
        os.waitpid(child, 0)
    assert tree_memory_kb(os.getpid()) is not None


def test_pages_shared_with_a_forked_child_count_once_in_pss() -> None:
    result = measure([sys.executable, "-c", _SHARED])
    assert result["returncode"] == 0
    assert result["max_rss_kb"] >= 200 * MB  # the parent, alone
    assert result["tree_rss_kb"] >= 400 * MB  # parent + child: the shared pages twice
    assert 200 * MB <= result["tree_pss_kb"] <= 260 * MB  # once
