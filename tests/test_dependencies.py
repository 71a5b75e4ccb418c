"""The installs repeat and meet the security floors: the hashed lock files pin every package,
agree with the requirements they were made from, and never go below a release with a known fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent

# The oldest release of each package that has the security fixes shopnet relies on.
SECURITY_FLOORS = {
    "django": "5.2.18",
    "daphne": "4.2.2",
    "pillow": "12.3.0",
    "twisted": "24.7.0",
    "redis": "4.5.4",
}

# Released with calendar versions: a floor, never an upper bound.
CALENDAR_VERSIONED = {"twisted"}

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def read_lock(name: str) -> dict[str, tuple[Version, list[str]]]:
    """{package: (version, hashes)} of a pip-compile lock file."""
    pins: dict[str, tuple[Version, list[str]]] = {}
    current = None
    for line in (ROOT / name).read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match[1])
            pins[current] = (Version(match[2]), [])
        elif current and line.strip().startswith("--hash=sha256:"):
            pins[current][1].append(line.strip().removeprefix("--hash=sha256:").rstrip(" \\"))
        elif line and not line.startswith(" "):
            current = None
    return pins


def read_requirements(name: str) -> list[Requirement]:
    out = []
    for raw in (ROOT / name).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            out.append(Requirement(line))
    return out


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_it_pins_every_package_with_its_hashes(lock):
    pins = read_lock(lock)
    assert pins
    for package, (_version, hashes) in pins.items():
        assert hashes, f"{lock}: {package} has no hash"
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), package


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_it_meets_the_security_floors(lock):
    pins = read_lock(lock)
    for package, floor in SECURITY_FLOORS.items():
        assert package in pins, f"{lock} does not pin {package}"
        assert pins[package][0] >= Version(floor), f"{lock}: {package} below {floor}"


def test_the_requirements_name_the_security_floors_directly():
    direct = {canonicalize_name(r.name): r for r in read_requirements("requirements.txt")}
    for package, floor in SECURITY_FLOORS.items():
        assert package in direct, f"requirements.txt does not name {package}"
        lower = [Version(s.version) for s in direct[package].specifier if s.operator == ">="]
        assert lower and max(lower) >= Version(floor), f"requirements.txt: {package} below {floor}"


def test_every_install_goes_through_the_lock():
    assert "--require-hashes -r requirements-dev.lock" in (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock" in (ROOT / "Dockerfile").read_text()


@pytest.mark.parametrize(
    ("requirements", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_the_lock_satisfies_the_requirements_it_was_made_from(requirements, lock):
    pins = read_lock(lock)
    for requirement in read_requirements(requirements):
        package = canonicalize_name(requirement.name)
        assert package in pins, f"{lock} does not pin {package}: run `make lock`"
        version = pins[package][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock}: {package}=={version} outside {requirement.specifier}: run `make lock`"
        )


def test_the_runtime_and_dev_locks_agree():
    runtime, dev = read_lock("requirements.lock"), read_lock("requirements-dev.lock")
    for package, (version, _hashes) in runtime.items():
        assert dev[package][0] == version, package


@pytest.mark.parametrize("requirements", ["requirements.txt", "requirements-dev.txt"])
def test_every_direct_dependency_has_an_upper_bound(requirements):
    for requirement in read_requirements(requirements):
        if canonicalize_name(requirement.name) in CALENDAR_VERSIONED:
            continue
        assert any(s.operator in ("<", "<=", "==", "~=") for s in requirement.specifier), (
            f"{requirements}: {requirement} has no upper bound"
        )
