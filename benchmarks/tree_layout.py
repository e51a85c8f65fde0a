"""Plan the package layout of the synthetic project: which modules exist and where.

src/acme/__init__.py, db.py, settings.py, constants.py
src/acme/<app>/<domain>/models.py            (or models/<part>.py)
src/acme/<app>/<domain>/[<subpackage>/]<module>.py
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import vocabulary as words

ROOT_MODULES = ("__init__", "db", "settings", "constants")


@dataclass(frozen=True)
class TreeSpec:
    modules: int = 5000
    model_modules: int = 260
    module_kb: float = 14.7  # mean size of an ordinary module
    seed: int = 20240601
    app_locality: float = 0.0  # how often a relationship's parent is in the child's own app


@dataclass(frozen=True)
class Domain:
    app: str
    plural: str
    stem: str

    @property
    def package(self) -> str:
        return f"{words.ROOT_PACKAGE}.{self.app}.{self.plural}"


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. acme.sales.orders.pricing
    kind: str  # "package" (an __init__.py), "root", "model" or "ordinary"
    domain: Domain | None = None
    earlier: tuple[str, ...] = ()  # ordinary siblings planned before this one

    @property
    def path(self) -> str:
        tail = "/__init__.py" if self.kind == "package" else ".py"
        return "src/" + self.name.replace(".", "/") + tail


@dataclass(frozen=True)
class Layout:
    modules: tuple[Module, ...]
    domains: tuple[Domain, ...]

    def of_kind(self, kind: str) -> list[Module]:
        return [module for module in self.modules if module.kind == kind]


def plan_layout(spec: TreeSpec) -> Layout:
    rng = random.Random(f"{spec.seed}:layout")
    domains = _plan_domains(spec, rng)
    modules = _root_modules(domains)
    modules += _model_modules(spec, domains, rng)
    modules += _ordinary_modules(spec.modules - len(modules), domains, rng)
    return Layout(tuple(modules), tuple(domains))


def app_names() -> tuple[str, ...]:
    """APPS, then each of them per variant (sales_eu, billing_eu, ...): up to 176 apps."""
    variants = tuple(f"{app}_{variant}" for variant in words.APP_VARIANTS for app in words.APPS)
    return words.APPS + variants


def _plan_domains(spec: TreeSpec, rng: random.Random) -> list[Domain]:
    apps = app_names()
    n_apps = max(2, min(len(apps), spec.modules // 350))
    n_domains = max(3, spec.modules // 40)
    if n_domains > n_apps * len(words.DOMAINS):
        raise ValueError(f"{spec.modules} modules need more than {len(apps)} apps")
    named = apps[: max(n_apps, len(words.APPS))]
    per_app = {app: rng.sample(sorted(words.DOMAINS), len(words.DOMAINS)) for app in named}
    domains = []
    for index in range(n_domains):
        app = apps[index % n_apps]
        plural = per_app[app][index // n_apps]
        domains.append(Domain(app, plural, words.DOMAINS[plural]))
    return domains


def _root_modules(domains: list[Domain]) -> list[Module]:
    root = words.ROOT_PACKAGE
    modules = [Module(root, "package")]
    modules += [Module(f"{root}.{name}", "root") for name in ROOT_MODULES[1:]]
    for app in sorted({domain.app for domain in domains}, key=app_names().index):
        modules.append(Module(f"{root}.{app}", "package"))
    modules += [Module(domain.package, "package", domain) for domain in domains]
    return modules


def _model_modules(spec: TreeSpec, domains: list[Domain], rng: random.Random) -> list[Module]:
    counts = dict.fromkeys(range(len(domains)), 0)
    remaining = spec.model_modules
    if remaining > len(domains) * len(words.MODEL_FILES):
        raise ValueError(f"too many model modules for {len(domains)} domains")
    while remaining:
        for index in rng.sample(range(len(domains)), len(domains)):
            room = len(words.MODEL_FILES) - counts[index]
            extra = min(rng.choice((0, 1, 1, 1, 2, 3)), remaining, room)
            counts[index] += extra
            remaining -= extra
            if not remaining:
                break
    modules = []
    for index, domain in enumerate(domains):
        if counts[index] == 1:
            modules.append(Module(f"{domain.package}.models", "model", domain))
        elif counts[index] > 1:
            modules.append(Module(f"{domain.package}.models", "package", domain))
            for part in words.MODEL_FILES[: counts[index]]:
                modules.append(Module(f"{domain.package}.models.{part}", "model", domain))
    return modules


def _ordinary_modules(count: int, domains: list[Domain], rng: random.Random) -> list[Module]:
    if count < 0:
        raise ValueError("the spec asks for fewer modules than its packages need")
    modules: list[Module] = []
    taken: set[str] = set()
    earlier: dict[Domain, list[str]] = {domain: [] for domain in domains}
    subpackages = {d: rng.sample(words.SUBPACKAGES, rng.randint(0, 3)) for d in domains}
    while len(modules) < count:
        domain = rng.choice(domains)
        package = domain.package
        if subpackages[domain] and rng.random() < 0.35 and count - len(modules) >= 2:
            package = f"{package}.{rng.choice(subpackages[domain])}"
            if package not in taken:
                taken.add(package)
                modules.append(Module(package, "package", domain))
        name = _free_name(package, taken, rng)
        siblings = earlier[domain]
        picked = tuple(rng.sample(siblings, min(len(siblings), rng.randint(0, 3))))
        modules.append(Module(name, "ordinary", domain, picked))
        siblings.append(name)
    return modules


def _free_name(package: str, taken: set[str], rng: random.Random) -> str:
    word = rng.choice(words.MODULES)
    name = f"{package}.{word}"
    suffix = 2
    while name in taken:
        name = f"{package}.{word}_{suffix}"
        suffix += 1
    taken.add(name)
    return name
