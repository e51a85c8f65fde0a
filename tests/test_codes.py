"""Finding codes: each finding kind carries its code, --select/--ignore and the config keys,
`# fix-relationships: ignore[CODE]`, and the README's table of codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from project_helpers import BASE_PROJECT, FIXED, REPO, SEED, run_cli, write_project

from codemods.relationships.codes import BY_CODE, CODES

BROKEN = SEED.replace("models.Subscription", "models.Subscriptoin")
OUTSIDE = SEED.replace("ecommerce.models", "vendor.models")
LEGACY = (
    "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom core.database import Base\n\n\n"
    "class Subscription(Base):\n    __tablename__ = 'legacy_subscriptions'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
)
TWO_WAY = {
    "ecommerce/models.py": BASE_PROJECT["ecommerce/models.py"]
    + '    events = relationship("saas.models.UsageEvent", back_populates="subscription")\n',
    "saas/models.py": SEED.replace('backref="usage_events"', 'back_populates="events"'),
}
# saas -> ecommerce (to add) -> billing -> saas, each import at the top: importing billing first
# would run saas's late import of ecommerce while billing has not defined Invoice.
UNSAFE_CYCLE = {
    "saas/models.py": SEED,
    "ecommerce/models.py": "from billing.models import Invoice  # noqa: F401\n"
    + BASE_PROJECT["ecommerce/models.py"],
    "billing/__init__.py": "",
    "billing/models.py": "from saas.models import UsageEvent  # noqa: F401\n\n\n"
    "class Invoice:\n    pass\n",
}
BARE = SEED.replace('"ecommerce.models.Subscription"', '"Subscription"')
TARGET_LINE = 'relationship("ecommerce.models.Subscription", backref="usage_events")'

# Each finding kind, the first line naming saas/models.py, and the code it must carry.
KINDS = [
    pytest.param({"saas/models.py": SEED}, "saas/models.py:11:33: FR101 ", id="rewrite"),
    pytest.param({"saas/models.py": BROKEN}, "saas/models.py:11:33: FR201 broken: ", id="broken"),
    pytest.param(
        {"saas/models.py": SEED, "legacy/__init__.py": "", "legacy/models.py": LEGACY},
        "saas/models.py:11:33: FR301 left alone: ",
        id="another-mapped-class",
    ),
    pytest.param(
        {"saas/models.py": SEED + "\nSubscription = None\n"},
        "saas/models.py:11:33: FR302 left alone: ",
        id="name-bound",
    ),
    pytest.param(
        {"saas/models.py": OUTSIDE}, "saas/models.py:11:33: FR303 left alone: ", id="outside"
    ),
    pytest.param(
        {"saas/models.py": SEED.replace('("ecommerce', '(f"ecommerce')},
        "saas/models.py:11:33: FR304 left alone: ",
        id="f-string",
    ),
    pytest.param(
        {
            "saas/models.py": SEED.replace(
                TARGET_LINE, TARGET_LINE + "  # fix-relationships: ignore"
            )
        },
        "saas/models.py:11:33: FR305 left alone: ",
        id="ignore-comment",
    ),
    pytest.param(
        {
            "saas/models.py": SEED.replace("ecommerce.models", "models"),
            "legacy/__init__.py": "",
            "legacy/models.py": LEGACY,
        },
        "saas/models.py:11:33: FR311 left alone: ",
        id="path-matches-several-modules",
    ),
    pytest.param(TWO_WAY, "saas/models.py:11:33: FR101 ", id="cycle-late-registration"),
    pytest.param(UNSAFE_CYCLE, "saas/models.py:11:33: FR401 warning: ", id="cycle-warning"),
    pytest.param({"saas/models.py": BARE}, "saas/models.py:11:33: FR102 ", id="bare-registered"),
    pytest.param(
        {"saas/models.py": BARE.replace('"Subscription"', '"Subscriptoin"')},
        "saas/models.py:11:33: FR202 broken: ",
        id="bare-missing",
    ),
    pytest.param(
        {"saas/models.py": BARE, "legacy/__init__.py": "", "legacy/models.py": LEGACY},
        "saas/models.py:11:33: FR203 broken: ",
        id="bare-in-two-mapped-classes",
    ),
    pytest.param(
        {"saas/models.py": SEED.replace("ecommerce.models.", "ecommerce.model.")},
        "saas/models.py:11:33: FR204 broken: ",
        id="stale-path",
    ),
    pytest.param(
        {
            "saas/models.py": BARE,
            "pyproject.toml": '[tool.fix-relationships]\nimport-placement = "type-checking"\n',
        },
        "saas/models.py:11:33: FR313 left alone: ",
        id="type-checking-placement-leaves-registration",
    ),
    pytest.param(
        # An unmatched `)`: every supported Python's parser names the same place.
        {"saas/models.py": "x = relationship('ecommerce.models.Plan'))\n"},
        "saas/models.py:1:42: FR901 error: ",
        id="cannot-parse",
    ),
]


@pytest.mark.parametrize(("files", "start"), KINDS)
def test_every_finding_line_carries_its_code(
    project_dir: Path, files: dict[str, str], start: str
) -> None:
    write_project(project_dir, {**BASE_PROJECT, **files})
    result = run_cli(project_dir, "--check", "-v", ".")
    naming = [ln for ln in result.stdout.splitlines() if ln.startswith("saas/models.py")]
    assert naming, result.stdout + result.stderr
    assert naming[-1].startswith(start) if "FR401" in start else naming[0].startswith(start)
    for line in result.stdout.splitlines():
        assert re.match(r"[^:]+(:\d+:\d+)?: FR\d{3} ", line), line
        assert line.split(": ", 1)[1][:5] in BY_CODE


def _emitted_codes() -> set[str]:
    sources = (REPO / "codemods").rglob("*.py")
    found: set[str] = set()
    for path in sources:
        if path.name != "codes.py":
            found |= set(re.findall(r'"(FR\d{3})"', path.read_text(encoding="utf-8")))
    return found


def test_every_code_the_tool_uses_is_in_the_table() -> None:
    assert _emitted_codes() <= set(BY_CODE)
    assert len(BY_CODE) == len(CODES)


def test_readme_table_lists_exactly_the_codes_the_tool_reports() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- codes table: tests/test_codes.py -->\n", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `(FR\d{3})` \| [^|]+ \| (.+) \|$", table, re.M)
    assert [code for code, _ in rows] == sorted(_emitted_codes())
    for code, summary in rows:
        assert summary == BY_CODE[code].summary, code


PROJECT_WITH_BOTH = {
    "saas/models.py": SEED,
    "saas/plans.py": BROKEN.replace("UsageEvent", "PlanEvent").replace("usage_", "plan_"),
}

# (command-line options, config lines) -> (exit code, codes reported, saas/models.py rewritten)
SELECTIONS = [
    pytest.param((), "", 1, ["FR101", "FR201"], True, id="default-all"),
    pytest.param(("--select", "FR2"), "", 1, ["FR201"], False, id="select-prefix"),
    pytest.param(("--ignore", "FR101"), "", 1, ["FR201"], False, id="ignore-rewrites"),
    pytest.param(("--ignore", "fr2"), "", 1, ["FR101"], True, id="ignore-lower-case"),
    pytest.param(("--select", "FR101,FR201"), "", 1, ["FR101", "FR201"], True, id="comma-list"),
    pytest.param((), 'ignore = ["FR2"]', 1, ["FR101"], True, id="config-ignore"),
    pytest.param((), 'select = ["FR2"]', 1, ["FR201"], False, id="config-select"),
    pytest.param(
        ("--select", "FR1"), 'select = ["FR2"]', 1, ["FR101"], True, id="cli-select-replaces"
    ),
    pytest.param(("--ignore", "FR1"), 'ignore = ["FR2"]', 0, [], False, id="cli-ignore-adds"),
    pytest.param(
        ("--ignore", "FR", "--select", "FR201"), "", 1, ["FR201"], False, id="longer-prefix-wins"
    ),
]


@pytest.mark.parametrize(("args", "config", "code", "codes", "rewritten"), SELECTIONS)
def test_select_and_ignore(
    project_dir: Path,
    args: tuple[str, ...],
    config: str,
    code: int,
    codes: list[str],
    rewritten: bool,
) -> None:
    write_project(project_dir, {**BASE_PROJECT, **PROJECT_WITH_BOTH})
    if config:
        (project_dir / "pyproject.toml").write_text(f"[tool.fix-relationships]\n{config}\n")
    result = run_cli(project_dir, *args, "saas")
    assert result.returncode == code, result.stdout + result.stderr
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == codes
    assert ((project_dir / "saas/models.py").read_text() == FIXED) is rewritten


@pytest.mark.parametrize(
    ("args", "config"),
    [
        pytest.param(("--select", "FR7"), "", id="cli-unknown-prefix"),
        pytest.param(("--ignore", "E501"), "", id="cli-other-tool"),
        pytest.param((), 'select = ["X1"]', id="config-unknown"),
        pytest.param((), 'ignore = "FR2"', id="config-not-a-list"),
    ],
)
def test_unknown_code_is_bad_usage(project_dir: Path, args: tuple[str, ...], config: str) -> None:
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": SEED})
    if config:
        (project_dir / "pyproject.toml").write_text(f"[tool.fix-relationships]\n{config}\n")
    result = run_cli(project_dir, *args, "saas")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (project_dir / "saas/models.py").read_text() == SEED


def test_errors_cannot_be_ignored(project_dir: Path) -> None:
    write_project(project_dir, {**BASE_PROJECT, "saas/bad.py": "x = relationship('a.b.C'\n"})
    result = run_cli(project_dir, "--ignore", "FR", "saas")
    assert result.returncode == 2
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == ["FR901"]


# A comment on the line of the string: which codes it hides, and whether the string is rewritten.
COMMENTS = [
    pytest.param(SEED, "ignore[FR201]", 1, ["FR101"], True, id="other-code-rewrite-stays"),
    pytest.param(SEED, "ignore[FR101]", 0, [], False, id="rewrite-code-keeps-the-string"),
    pytest.param(SEED, "ignore[FR1]", 0, [], False, id="rewrite-prefix"),
    pytest.param(SEED, "ignore", 0, [], False, id="bare"),
    pytest.param(BROKEN, "ignore[FR201]", 0, [], False, id="broken-hidden"),
    pytest.param(BROKEN, "ignore[FR303, FR2]", 0, [], False, id="list-with-prefix"),
    pytest.param(BROKEN, "ignore[FR101]", 1, ["FR201"], False, id="broken-not-hidden"),
]


@pytest.mark.parametrize(("src", "comment", "code", "codes", "rewritten"), COMMENTS)
def test_ignore_comment_with_codes(
    project_dir: Path, src: str, comment: str, code: int, codes: list[str], rewritten: bool
) -> None:
    target = next(line for line in src.splitlines() if "relationship(" in line)
    marked = src.replace(target, f"{target}  # fix-relationships: {comment}")
    write_project(project_dir, {**BASE_PROJECT, "saas/models.py": marked})
    result = run_cli(project_dir, "saas")
    assert result.returncode == code, result.stdout
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == codes
    assert ((project_dir / "saas/models.py").read_text() != marked) is rewritten
