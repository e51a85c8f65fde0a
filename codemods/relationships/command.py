"""The codemod as a LibCST command, for `python -m libcst.tool codemod -x ...`.

    python -m libcst.tool codemod --no-format \\
        -x codemods.fix_relationships.FixRelationshipsCommand backend/saas/models.py

It runs the same decisions as the command line. Each `libcst.tool` worker process keeps its own
view of the run, so imports added in other workers are not seen by its cycle check; run it with
`-j 1`, or use `python -m codemods.fix_relationships`, which decides files in a stable order.
"""

from __future__ import annotations

import functools
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodCommand, SkipFile

from .config import load_config
from .decide import Decider
from .discover import project_files, relative_key
from .findings import ERROR, SKIPPED
from .project import Project
from .root import find_root
from .transform import fix_source


@functools.cache
def _decider(root: Path) -> Decider:
    config = load_config(root)
    # A LibCST command edits the file it is given only: a registration that
    # `import-placement = "package-init"` would put in another file goes into the module.
    placement = "auto" if config.placement == "package-init" else config.placement
    return Decider(
        Project(root, project_files(root), config.src), placement, config.assume_registered
    )


class FixRelationshipsCommand(CodemodCommand):
    DESCRIPTION = (
        "Rewrite dotted relationship() targets to bare class names and import the class, "
        "where that is provably safe."
    )

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        root = find_root(Path.cwd()) or Path.cwd()  # like the command line
        filename = self.context.filename or "<stdin>"
        key = relative_key(Path(filename), root)
        outcome = fix_source(filename, key, tree.code, _decider(root))
        for finding in outcome.findings:
            if finding.kind != SKIPPED:
                self.warn(finding.format())
        if any(f.kind == ERROR for f in outcome.findings):
            raise SkipFile("not rewritten: see the warnings above")
        if outcome.new_text is None:
            return tree
        return cst.parse_module(outcome.new_text)
