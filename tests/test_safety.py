"""The safety check refuses any new source that is not the old one plus the intended edits."""

from __future__ import annotations

import ast
from typing import Optional

import pytest

from codemods.relationships.safety import unintended_change

OLD = """\
from sqlalchemy.orm import relationship

from core.database import Base


class UsageEvent(Base):
    subscription = relationship("ecommerce.models.Subscription")
"""
TARGET = "ecommerce.models.Subscription"


def _strings(tree: ast.Module) -> dict[tuple[int, int], str]:
    """The position of the target string constant of `tree`, mapped to its new value."""
    return {
        (node.lineno, node.col_offset): "Subscription"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value == TARGET
    }


ADDED = [("ecommerce.models", "Subscription", False)]
GOOD = OLD.replace(
    "from core.database import Base\n",
    "from core.database import Base\nfrom ecommerce.models import Subscription  # noqa: F401\n",
).replace('"ecommerce.models.Subscription"', '"Subscription"')

CASES = [
    pytest.param(GOOD, ADDED, None, id="intended-edits-pass"),
    pytest.param(
        GOOD.replace("class UsageEvent", "class Usage"),
        ADDED,
        "changed code other than",
        id="other-code-changed",
    ),
    pytest.param(
        GOOD.replace('"Subscription"', '"Subscript"'),
        ADDED,
        "changed code other than",
        id="wrong-string-value",
    ),
    pytest.param(
        GOOD.replace("from core.database import Base", "from core.db import Base"),
        ADDED,
        "changed imports",
        id="existing-import-changed",
    ),
    pytest.param(GOOD, [], "changed imports", id="unintended-import"),
    pytest.param(
        GOOD.replace("from ecommerce.models import Subscription  # noqa: F401\n", ""),
        ADDED,
        "changed imports",
        id="intended-import-missing",
    ),
    pytest.param(
        GOOD.replace("class UsageEvent(Base):", "class UsageEvent(Base)"),
        ADDED,
        "does not parse",
        id="syntax-broken",
    ),
    pytest.param(
        GOOD + "\ndef f():\n    yield\n    return 1\nreturn 2\n",
        ADDED,
        "changed code other than",
        id="code-that-only-parses-added",
    ),
    pytest.param(
        GOOD.replace(
            "from ecommerce.models import Subscription  # noqa: F401\n",
            "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from ecommerce.models import Subscription  # noqa: F401\n",
        ),
        [("ecommerce.models", "Subscription", True)],
        None,
        id="type-checking-block-created",
    ),
]


@pytest.mark.parametrize(("new", "added", "problem"), CASES)
def test_unintended_change(
    new: str, added: list[tuple[str, str, bool]], problem: Optional[str]
) -> None:
    tree = ast.parse(OLD)
    found = unintended_change(tree, OLD, new, _strings(tree), added, [])
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_dropped_type_checking_import_is_allowed() -> None:
    old = (
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from ecommerce.models import Subscription\n"
        + OLD
    )
    tree = ast.parse(old)
    assert unintended_change(tree, old, GOOD, _strings(tree), ADDED, ["Subscription"]) is None
    assert unintended_change(tree, old, GOOD, _strings(tree), ADDED, []) is not None
