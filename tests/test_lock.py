"""Installs are reproducible: every dependency is pinned in the lock the scripts install from."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", re.MULTILINE)


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {normal(name): version for name, version in PIN.findall(text)}


SELF_EXTRA = re.compile(r"^analytics-gateway\[([^\]]+)\]$")


def declared(*extras: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    wanted = list(extras)
    while wanted:
        for requirement in project["optional-dependencies"][wanted.pop()]:
            # An extra that names another of ours (`test` takes `otel`) brings its packages.
            own = SELF_EXTRA.match(requirement)
            if own:
                wanted += own[1].split(",")
            else:
                requirements.append(requirement)
    return {normal(NAME.match(r)[0]) for r in requirements}  # type: ignore[index]


def test_item17_every_dependency_is_pinned_in_the_locks() -> None:
    # A failure here means pyproject.toml changed since the last `scripts/lock`.
    runtime, test = pins("runtime.txt"), pins("test.txt")
    assert declared() - runtime.keys() == set()
    assert declared("test") - test.keys() == set()
    # The test lock is resolved under the runtime pins, so both install the same versions.
    assert {name: test[name] for name in runtime} == runtime


def test_item17_both_scripts_install_from_the_lock() -> None:
    demo = (ROOT / "scripts" / "demo").read_text()
    tests = (ROOT / "scripts" / "test").read_text()
    assert "-c requirements/runtime.txt -e .\n" in demo
    assert '-c requirements/test.txt -e ".[test]"\n' in tests
