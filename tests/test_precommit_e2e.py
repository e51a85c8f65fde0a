"""The pre-commit hook end to end: real git, real pre-commit, temporary repositories.

This repository's working tree (tracked and untracked-but-not-ignored files) is committed as a
snapshot in a temporary git repository; consumers name it by path and `rev`, as they would a URL.
One PRE_COMMIT_HOME is shared by the session, so the hook's environment is installed once.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from project_helpers import ISOLATED_GIT

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
TIMEOUT = 600  # seconds; the first hook install pip-installs from PyPI

DATABASE = """\
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
"""
SUBSCRIPTION = """\
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str]
"""
USAGE_EVENT = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base
{import_}

class UsageEvent(Base):
    __tablename__ = "usage_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    quantity: Mapped[int]

    subscription = relationship("{target}", backref="usage_events")
"""
USAGE_DOTTED = USAGE_EVENT.format(import_="", target="ecommerce.models.Subscription")
USAGE_FIXED = USAGE_EVENT.format(
    import_="from ecommerce.models import Subscription  # noqa: F401\n", target="Subscription"
)
USAGE_REWRITE = (
    'saas/models.py:14:33: FR101 "ecommerce.models.Subscription" -> "Subscription" '
    "(import added: from ecommerce.models import Subscription)"
)
INVOICE = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base
{imports}

class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    usage_event_id: Mapped[int] = mapped_column(ForeignKey("usage_events.id"))

    subscription = relationship("{subscription}")
    usage_event = relationship("{usage_event}")
    legacy = relationship("ecommerce.models.Subscription", viewonly=True)  # fix-relationships: ignore
"""
INVOICE_DOTTED = INVOICE.format(
    imports="", subscription="ecommerce.models.Subscription", usage_event="saas.models.UsageEvent"
)
INVOICE_FIXED = INVOICE.format(
    imports=(
        "from ecommerce.models import Subscription  # noqa: F401\n"
        "from saas.models import UsageEvent  # noqa: F401\n"
    ),
    subscription="Subscription",
    usage_event="UsageEvent",
)
PROJECT = {
    "core/__init__.py": "",
    "core/database.py": DATABASE,
    "ecommerce/__init__.py": "",
    "ecommerce/models.py": SUBSCRIPTION,
    "saas/__init__.py": "",
    "billing/__init__.py": "",
}


@dataclass(frozen=True)
class HookRepo:
    path: Path
    rev: str


@dataclass(frozen=True)
class Consumer:
    path: Path
    env: Mapping[str, str]

    def run(self, *cmd: str | Path) -> subprocess.CompletedProcess[str]:
        return run(cmd, self.path, self.env)

    def git(self, *args: str) -> str:
        return git(self.path, self.env, *args)

    def pre_commit(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return self.run(PRE_COMMIT, *args)

    def write(self, files: Mapping[str, str | bytes]) -> None:
        for relpath, content in files.items():
            path = self.path / relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")

    def read(self, relpath: str) -> str:
        return (self.path / relpath).read_text(encoding="utf-8")

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()


def run(
    cmd: tuple[str | Path, ...], cwd: Path, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
    )


def git(cwd: Path, env: Mapping[str, str], *args: str) -> str:
    result = run(("git", *args), cwd, env)
    assert result.returncode == 0, result.stdout
    return result.stdout


def init_repo(path: Path, env: Mapping[str, str]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    git(path, env, "-c", "init.defaultBranch=main", "init", "--quiet", "--template=")


def commit_all(path: Path, env: Mapping[str, str], message: str) -> None:
    git(path, env, "add", "--all")
    git(path, env, "commit", "--quiet", "--no-verify", "--message", message)


def lines_naming(output: str, relpath: str) -> list[str]:
    return [line for line in output.splitlines() if relpath in line]


def hook_status(output: str, name: str = "fix-relationships") -> str:
    """`Passed`, `Failed` or `Skipped`, from pre-commit's `fix-relationships....Passed` line."""
    pattern = rf"^{re.escape(name)}\.+(?:\(no files to check\))?(\w+)$"
    found = re.search(pattern, output, re.M)
    assert found, output
    return found.group(1)


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The caller's environment, less anything that could steer git or pre-commit elsewhere."""
    assert PRE_COMMIT.exists(), f"pre-commit is not installed beside {sys.executable}"
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "PRE_COMMIT")) and k != "SKIP"
    }
    return {
        **kept,
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        **ISOLATED_GIT,
    }


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> HookRepo:
    """A commit of this repository's working tree as it is now, uncommitted changes included."""
    listed = git(ROOT, env, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    snapshot = tmp_path_factory.mktemp("fix-relationships-snapshot")
    for relpath in sorted(set(filter(None, listed.split("\0")))):
        source = ROOT / relpath
        # A deleted but still tracked file is not part of the working tree.
        if source.is_symlink() or source.is_file():
            (snapshot / relpath).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / relpath, follow_symlinks=False)
    init_repo(snapshot, env)
    commit_all(snapshot, env, "snapshot")
    return HookRepo(snapshot, git(snapshot, env, "rev-parse", "HEAD").strip())


def make_consumer(
    path: Path,
    env: dict[str, str],
    hook_repo: HookRepo,
    hook_id: str = "fix-relationships",
    history: Mapping[str, str] = {},
) -> Consumer:
    """A small SQLAlchemy project (with `history` committed before the hook was adopted) that
    uses the hook `hook_id`, with `pre-commit install` done."""
    project = Consumer(path, env)
    init_repo(project.path, env)
    project.write({**PROJECT, **history})
    commit_all(project.path, env, "project")
    project.write(
        {
            ".pre-commit-config.yaml": (
                "repos:\n"
                f"  - repo: {hook_repo.path}\n"
                f"    rev: {hook_repo.rev}\n"
                "    hooks:\n"
                f"      - id: {hook_id}\n"
            )
        }
    )
    commit_all(project.path, env, "adopt fix-relationships")
    installed = project.pre_commit("install")
    assert installed.returncode == 0, installed.stdout
    return project


@pytest.fixture
def consumer(tmp_path: Path, env: dict[str, str], hook_repo: HookRepo) -> Consumer:
    return make_consumer(tmp_path / "consumer", env, hook_repo)


def test_commit_is_stopped_rewritten_and_passes_once_added(consumer: Consumer) -> None:
    consumer.write({"saas/models.py": USAGE_DOTTED})
    consumer.git("add", "saas/models.py")
    before = consumer.head()

    stopped = consumer.run("git", "commit", "--message", "usage events")

    assert stopped.returncode == 1, stopped.stdout
    assert hook_status(stopped.stdout) == "Failed"
    assert "- files were modified by this hook" in stopped.stdout
    assert USAGE_REWRITE in stopped.stdout.splitlines()
    assert "Rewriting saas/models.py" in stopped.stdout
    assert consumer.head() == before
    assert consumer.read("saas/models.py") == USAGE_FIXED

    consumer.git("add", "saas/models.py")
    passed = consumer.run("git", "commit", "--message", "usage events")

    assert passed.returncode == 0, passed.stdout
    assert hook_status(passed.stdout) == "Passed"
    assert consumer.git("show", "HEAD:saas/models.py") == USAGE_FIXED
    assert consumer.git("status", "--porcelain") == ""


def test_run_all_files_fixes_the_tree_and_a_second_run_passes(consumer: Consumer) -> None:
    consumer.write({"saas/models.py": USAGE_DOTTED, "billing/models.py": INVOICE_DOTTED})
    consumer.git("add", "--all")

    first = consumer.pre_commit("run", "--all-files")

    assert first.returncode == 1, first.stdout
    assert USAGE_REWRITE in first.stdout.splitlines()
    assert "Rewriting billing/models.py" in first.stdout
    assert "3 relationship target(s) in 2 file(s) rewritten" in first.stdout
    assert consumer.read("saas/models.py") == USAGE_FIXED
    assert consumer.read("billing/models.py") == INVOICE_FIXED

    second = consumer.pre_commit("run", "--all-files")

    assert second.returncode == 0, second.stdout
    assert hook_status(second.stdout) == "Passed"
    mapped = consumer.run(
        sys.executable,
        "-c",
        "import billing.models, saas.models; import sqlalchemy.orm as orm; orm.configure_mappers()",
    )
    assert mapped.returncode == 0, mapped.stdout


def test_try_repo(consumer: Consumer, hook_repo: HookRepo) -> None:
    consumer.write({"saas/models.py": USAGE_DOTTED})
    consumer.git("add", "saas/models.py")

    tried = consumer.pre_commit("try-repo", hook_repo.path, "fix-relationships", "--all-files")

    assert tried.returncode == 1, tried.stdout
    assert f"rev: {hook_repo.rev}" in tried.stdout  # try-repo found the snapshot's HEAD
    assert hook_status(tried.stdout) == "Failed"
    assert USAGE_REWRITE in tried.stdout.splitlines()
    assert consumer.read("saas/models.py") == USAGE_FIXED


@pytest.mark.parametrize(
    ("files", "status"),
    [
        pytest.param({"ecommerce/pricing.py": "PRICES = {'basic': 10}\n"}, "Passed", id="python"),
        pytest.param(
            {"saas/models.py": USAGE_FIXED, "billing/models.py": INVOICE_FIXED},
            "Passed",
            id="bare-targets-and-ignored-line",
        ),
        pytest.param(
            {"docs/notes.md": "ecommerce.models.Subscription\n"}, "Skipped", id="no-python"
        ),
    ],
)
def test_unrelated_commit_passes_and_changes_nothing(
    consumer: Consumer, files: dict[str, str], status: str
) -> None:
    consumer.write(files)
    consumer.git("add", "--all")

    committed = consumer.run("git", "commit", "--message", "unrelated")

    assert committed.returncode == 0, committed.stdout
    assert hook_status(committed.stdout) == status
    for relpath, content in files.items():
        assert consumer.git("show", f"HEAD:{relpath}") == content
    assert consumer.git("status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("relpath", "content", "start"),
    [
        pytest.param(
            "saas/broken.py",
            'from sqlalchemy.orm import relationship\n\nx = relationship("ecommerce.models.Subscription"\n',
            "saas/broken.py:3:",  # the column and wording are the interpreter's
            id="syntax-error",
        ),
        pytest.param(
            "saas/legacy.py",
            b"# caf\xe9\nPLAN = relationship('Plan')\n",
            "saas/legacy.py: FR901 error: not valid utf-8 (byte 0xe9 at offset 5)",
            id="not-utf-8",
        ),
    ],
)
def test_unreadable_file_fails_with_one_line_naming_it(
    consumer: Consumer, relpath: str, content: str | bytes, start: str
) -> None:
    consumer.write({relpath: content})
    consumer.git("add", relpath)
    before = consumer.head()

    stopped = consumer.run("git", "commit", "--message", "broken")

    assert stopped.returncode == 1, stopped.stdout
    assert hook_status(stopped.stdout) == "Failed"
    assert "- exit code: 2" in stopped.stdout
    [line] = lines_naming(stopped.stdout, relpath)
    assert line.startswith(start) and "error: " in line, line
    assert "1 error(s)" in stopped.stdout
    assert consumer.head() == before
    assert (consumer.path / relpath).read_bytes() == (
        content if isinstance(content, bytes) else content.encode()
    )


CHECK_NAME = "fix-relationships (check only)"


def test_check_only_id_reports_and_changes_nothing(
    tmp_path: Path, env: dict[str, str], hook_repo: HookRepo
) -> None:
    consumer = make_consumer(tmp_path / "consumer", env, hook_repo, "fix-relationships-check")
    consumer.write({"saas/models.py": USAGE_DOTTED})
    consumer.git("add", "saas/models.py")
    before = consumer.head()

    stopped = consumer.run("git", "commit", "--message", "usage events")

    assert stopped.returncode == 1, stopped.stdout
    assert hook_status(stopped.stdout, CHECK_NAME) == "Failed"
    assert "- exit code: 1" in stopped.stdout
    assert "files were modified" not in stopped.stdout
    assert USAGE_REWRITE in stopped.stdout.splitlines()
    assert "Would rewrite saas/models.py" in stopped.stdout
    assert consumer.head() == before
    assert consumer.read("saas/models.py") == USAGE_DOTTED

    manual = consumer.pre_commit(
        "run", "--hook-stage", "manual", "fix-relationships-check", "--all-files"
    )
    assert manual.returncode == 1, manual.stdout
    assert USAGE_REWRITE in manual.stdout.splitlines()
    assert consumer.read("saas/models.py") == USAGE_DOTTED

    consumer.write({"saas/models.py": USAGE_FIXED})
    consumer.git("add", "saas/models.py")
    passed = consumer.run("git", "commit", "--message", "usage events")
    assert passed.returncode == 0, passed.stdout
    assert hook_status(passed.stdout, CHECK_NAME) == "Passed"


def test_adopting_the_hook_in_a_repository_with_history(
    tmp_path: Path, env: dict[str, str], hook_repo: HookRepo
) -> None:
    history = {"saas/models.py": USAGE_DOTTED, "billing/models.py": INVOICE_DOTTED}
    consumer = make_consumer(tmp_path / "consumer", env, hook_repo, history=history)

    # A commit that touches none of the old files shows nothing: the hook sees only the commit.
    consumer.write({"ecommerce/pricing.py": "PRICES = {'basic': 10}\n"})
    consumer.git("add", "--all")
    unrelated = consumer.run("git", "commit", "--message", "pricing")
    assert unrelated.returncode == 0, unrelated.stdout
    assert consumer.read("saas/models.py") == USAGE_DOTTED

    # What the README says to run once.
    once = consumer.pre_commit("run", "fix-relationships", "--all-files")
    assert once.returncode == 1, once.stdout
    assert "3 relationship target(s) in 2 file(s) rewritten" in once.stdout
    assert consumer.read("saas/models.py") == USAGE_FIXED
    assert consumer.read("billing/models.py") == INVOICE_FIXED

    consumer.git("add", "--all")
    committed = consumer.run("git", "commit", "--message", "fix-relationships --all-files")
    assert committed.returncode == 0, committed.stdout
    assert consumer.git("status", "--porcelain") == ""


def test_hook_definitions_have_stages_and_a_check_only_id() -> None:
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert sorted(hooks) == ["fix-relationships", "fix-relationships-check"]
    for hook in hooks.values():
        assert hook["stages"] == ["pre-commit", "pre-merge-commit", "pre-push", "manual"]
        assert hook["minimum_pre_commit_version"] == "3.2.0"  # the stage names need it
        assert hook["require_serial"] is True
    assert hooks["fix-relationships"]["entry"] == "fix-relationships-hook"
    assert hooks["fix-relationships-check"]["entry"] == "fix-relationships-hook --check"


def test_readme_pins_the_released_version() -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("## Use it in your repository", 1)[1].split("```yaml\n", 1)[1]
    assert re.search(r"^    rev: (\S+)", snippet, re.M).group(1) == f"v{version}"  # type: ignore[union-attr]
    assert "pre-commit run fix-relationships --all-files" in readme
