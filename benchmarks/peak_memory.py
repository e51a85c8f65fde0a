"""Run a command and report its peak memory, children included, as JSON.

    python benchmarks/peak_memory.py -- python -m codemods.fix_relationships --check .

`tree_pss_kb` is the figure the target is judged on: the largest sum, over the command's
process tree, of each process's proportional set size (`Pss:` in /proc/<pid>/smaps_rollup; a
poll where one process's cannot be read is not counted), seen by polling /proc every 20
milliseconds. A page shared by n processes (a forked worker shares the parent's pages until
either writes them) counts 1/n in each, so the sum is the memory the tree really holds.
`max_rss_kb` is the kernel's figure for the largest single process of the tree (getrusage
RUSAGE_CHILDREN, taken in this fresh process so nothing else is counted).
`tree_rss_kb` is the largest sum of the resident sizes of the tree's processes: shared pages
count once per process that maps them, so it over-states what worker pools hold.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence

POLL_SECONDS = 0.005
# Reading smaps_rollup walks the process's page tables, which costs the machine (and the command
# measured) far more than reading its stat: the proportional sizes are read every 4th poll.
PSS_EVERY = 4
PAGE_KB = os.sysconf("SC_PAGESIZE") // 1024


# Where the kernel has no smaps_rollup (before Linux 4.14), resident sizes stand in.
HAS_SMAPS_ROLLUP = os.path.exists("/proc/self/smaps_rollup")


def pss_kb(pid: int, rss_kb: int) -> int | None:
    """The process's proportional set size; None if it cannot be read now (a process ending:
    its smaps_rollup is empty or gone), or its resident size on a kernel without smaps_rollup.
    An ending worker's resident size is all private pages to it, so taking it instead would
    count the pages it shares once more (a 50k run once read 730 MB for 535 MB)."""
    if not HAS_SMAPS_ROLLUP:
        return rss_kb
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as file:
            for line in file:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _tree_rss_kb(root: int) -> dict[int, int]:
    """The resident size of `root` and of each of its descendants, by pid."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as file:
                fields = file.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_KB
    found, stack = {}, [root]
    while stack:
        pid = stack.pop()
        if pid in rss:
            found[pid] = rss[pid]
        stack.extend(children.get(pid, []))
    return found


def tree_memory_kb(root: int, pss: bool = True) -> tuple[int, int, frozenset[int]] | None:
    """(resident sizes, proportional set sizes) summed over `root` and its descendants, and
    their pids; without `pss`, the second is 0. None if a process started or ended while the
    sizes were read (a parent read before it forked and its child read after would count the
    pages they share one and a half times), or if one's proportional size could not be read."""
    rss = _tree_rss_kb(root)
    if not pss:
        return sum(rss.values()), 0, frozenset(rss)
    each = [pss_kb(pid, kb) for pid, kb in rss.items()]
    if _tree_rss_kb(root).keys() != rss.keys():
        return None
    known = [kb for kb in each if kb is not None]
    if len(known) != len(each):
        return None
    return sum(rss.values()), sum(known), frozenset(rss)


def measure(argv: Sequence[str]) -> dict[str, int]:
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_rss = peak_pss = polls = 0
    before: frozenset[int] = frozenset()
    while process.poll() is None:
        sizes = tree_memory_kb(process.pid, pss=polls % PSS_EVERY == 0)
        if sizes is not None:
            rss, pss, pids = sizes
            peak_rss = max(peak_rss, rss)
            if pids == before:  # no process started or ended since the last poll either
                peak_pss = max(peak_pss, pss)
            before = pids
            polls += 1
        time.sleep(POLL_SECONDS)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "returncode": process.returncode,
        "tree_pss_kb": peak_pss,
        "max_rss_kb": usage.ru_maxrss,
        "tree_rss_kb": peak_rss,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print("usage: peak_memory.py -- COMMAND [ARG ...]", file=sys.stderr)
        return 2
    print(json.dumps(measure(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
