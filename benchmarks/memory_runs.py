"""Measurement 5: peak memory of the cold whole-tree `--check`, and of ruff UP for scale."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from results_md import Memory
from scenarios import Setup, cache_dir, scale_label
from timing import environment

HERE = Path(__file__).resolve().parent


def whole_tree_memory(setup: Setup, limit_mb: float, tool_ran: bool) -> Memory:
    """Ours is skipped when its cold whole-tree run failed already (it would fail again)."""
    scale = scale_label(setup.tree)
    print(f"[5] peak memory, {scale} ...", flush=True)
    probe = [setup.python, str(HERE / "peak_memory.py"), "--"]
    ours = None
    if tool_ran:
        shutil.rmtree(cache_dir(setup.tree), ignore_errors=True)
        ours = _peak(setup, [*probe, *setup.ours("--no-cache", "--check", ".")])
    reference = _peak(setup, [*probe, setup.ruff, "check", "--select", "UP", "--no-cache", "."])
    if ours is not None and ours["returncode"] not in (0, 1):
        ours = None
    return Memory(scale, ours, reference, limit_mb)


def _peak(setup: Setup, argv: list[str]) -> dict[str, int] | None:
    result = subprocess.run(
        argv, cwd=setup.tree.root, env=environment(setup.repo_root), capture_output=True, text=True
    )
    try:
        data: dict[str, int] = json.loads(result.stdout)
    except ValueError:
        return None
    return data
