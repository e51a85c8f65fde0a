"""A few questions about module names are answered by searching the paths, more by an index
built once: both give the same files, in file order."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from codemods.relationships import project as project_module
from codemods.relationships.discover import Walk
from codemods.relationships.project import Project

FILES = [
    "models.py",
    "mymodels.py",
    "models/__init__.py",
    "mymodels/__init__.py",
    "app/models.py",
    "app/old_models.py",
    "app/models/__init__.py",
    "app/models/links.py",
    "app/models_extra/__init__.py",
    "src/shop/models.py",
    "src/shop/billing/models/__init__.py",
    "src/shop/billing/models/links.py",
    "src/shop/__init__.py",
    "tools/links.py",
    "links.py",
    "shop/billing/shop/deep.py",  # a package's name twice on one path, from the top
    "app/models/archive/models/old.py",  # and twice below it
    "my-app/models.py",  # a directory that is no package name
]
SUFFIXES = [
    ("models",),
    ("app", "models"),
    ("shop", "models"),
    ("models", "links"),
    ("billing", "models", "links"),
    ("shop", "billing", "models", "links"),
    ("links",),
    ("shop",),
    ("old_models",),
    ("els",),
    ("models.py",),
    ("hop", "models"),  # the end of a directory's name is not its name
    ("billing", "models"),
    ("my-app", "models"),
    ("nothing",),
    (),
]


PACKAGES = ["models", "app", "shop", "billing", "src", "links", "mymodels", "els", "", "nothing"]


def _answers(monkeypatch: pytest.MonkeyPatch, alone: int) -> list[list[str]]:
    monkeypatch.setattr(project_module, "_LOOKED_UP_ALONE", alone)
    project = Project(Path("/nowhere"), FILES, ("src",))
    return [project.modules_ending_with(suffix) for suffix in SUFFIXES]


def _packages(monkeypatch: pytest.MonkeyPatch, alone: int) -> list[frozenset[str]]:
    monkeypatch.setattr(project_module, "_LOOKED_UP_ALONE", alone)
    project = Project(Path("/nowhere"), FILES, ("src",))
    return [project.module_names_from(package) for package in PACKAGES]


def test_the_search_and_the_index_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    searched = _answers(monkeypatch, len(SUFFIXES) + 1)
    indexed = _answers(monkeypatch, 0)
    assert searched == indexed
    assert all(found == sorted(found) for found in searched)
    by_suffix = dict(zip(SUFFIXES, searched))
    assert by_suffix[("shop", "models")] == ["src/shop/models.py"]
    assert by_suffix[("models", "links")] == [
        "app/models/links.py",
        "src/shop/billing/models/links.py",
    ]
    assert "mymodels.py" not in by_suffix[("models",)]
    assert by_suffix[("els",)] == [] and by_suffix[("nothing",)] == []
    assert by_suffix[("hop", "models")] == [] and by_suffix[("my-app", "models")] == []
    assert by_suffix[("billing", "models")] == ["src/shop/billing/models/__init__.py"]
    assert "my-app/models.py" in by_suffix[("models",)]


def test_the_index_answers_a_name_asked_again_as_it_did_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A name of more parts than the index is keyed by is answered once from the index, then
    from the answer kept; each caller gets a list of its own."""
    expected = _answers(monkeypatch, 0)
    project = Project(Path("/nowhere"), FILES, ("src",))
    for answer in [project.modules_ending_with(suffix) for suffix in SUFFIXES]:
        answer.append("changed/by/the/caller.py")
    assert [project.modules_ending_with(suffix) for suffix in SUFFIXES] == expected
    assert project._by_longer == {("shop", "billing", "models", "links"): expected[5]}


def test_the_search_and_the_index_agree_on_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    searched = _packages(monkeypatch, len(PACKAGES) + 1)
    assert searched == _packages(monkeypatch, 0)
    by_package = dict(zip(PACKAGES, searched))
    assert by_package["models"] == {"models.links", "models.archive.models.old", "models.old"}
    assert by_package["billing"] == {"billing.models", "billing.models.links", "billing.shop.deep"}
    assert "shop.billing.models.links" in by_package["shop"]
    assert by_package["els"] == by_package[""] == by_package["nothing"] == frozenset()
    assert {"shop.billing.shop.deep", "shop.deep"} <= by_package["shop"]


def test_a_question_asked_again_has_the_first_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The searches' answers are kept, each for its own question."""
    monkeypatch.setattr(project_module, "_LOOKED_UP_ALONE", 4 * len(SUFFIXES) + 1)
    project = Project(Path("/nowhere"), FILES, ("src",))
    first = [project.modules_ending_with(suffix) for suffix in SUFFIXES]
    names = [project.module_names_from(package) for package in PACKAGES]
    assert first == [project.modules_ending_with(suffix) for suffix in SUFFIXES]
    assert names == [project.module_names_from(package) for package in PACKAGES]
    assert first == _answers(monkeypatch, 0) and names == _packages(monkeypatch, 0)
    assert project._by_last is None, "the index answered: the searches were not asked again"
    assert project._under("shop").count("shop/billing/shop/deep.py") == 1  # found twice, once


# every directory of FILES, as a stored walk lists them ("": the root), and one with no file
DIRECTORIES = sorted({path.rpartition("/")[0] for path in FILES} | {"app/empty"})
WALKS = [  # a walk's paths, how they were stored (joined in the order they were listed), and
    # the directories it was given
    pytest.param(FILES, "\0".join(FILES), None, id="joined-as-listed"),
    pytest.param(FILES, None, None, id="joined-here"),
    pytest.param([*FILES, FILES[4]], "\0".join([*FILES, FILES[4]]), None, id="a-path-twice"),
    pytest.param(FILES, "\0".join(FILES), DIRECTORIES, id="with-its-directories"),
]


@pytest.mark.parametrize(("files", "joined", "directories"), WALKS)
def test_a_project_of_a_walk_answers_as_one_of_its_files(
    files: list[str],
    joined: Optional[str],
    directories: Optional[list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A project takes a walk's sorted files, set and search strings as they are (made while
    other cores stat, cache.py): it answers every question as one given the files."""
    indexed = _answers(monkeypatch, 0), _packages(monkeypatch, 0)
    monkeypatch.setattr(project_module, "_LOOKED_UP_ALONE", 4 * len(SUFFIXES) + 1)
    plain = Project(Path("/nowhere"), FILES, ("src",))
    walked = Project(Path("/nowhere"), Walk(files, joined, directories), ("src",))
    assert walked.files == plain.files == sorted(set(FILES))
    assert walked.file_set == plain.file_set
    for project in (plain, walked):  # searched, not indexed
        assert [project.modules_ending_with(s) for s in SUFFIXES] == indexed[0]
        assert [project.module_names_from(p) for p in PACKAGES] == indexed[1]
        assert project._by_last is None and project._from_package is None
    for package in PACKAGES:  # each in file order
        assert walked._under(package) == plain._under(package)
        assert walked._ending_with(f"{package}.py") == plain._ending_with(f"{package}.py")
    for suffix in SUFFIXES:  # of a module, and of a package
        for tail in ("/".join(suffix) + ".py", "/".join((*suffix, "__init__.py"))):
            assert walked._ending_with(tail) == plain._ending_with(tail), tail
