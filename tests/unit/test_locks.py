"""Every pin in requirements*.txt is in its hashed lock at that version (`make lock` after editing them)."""

import re

import pytest

from tests.support import ROOT


def _pins(path) -> dict[str, str]:
    """name -> version of each `name[extras]==version` line (names normalized as pip does)."""
    pins = {}
    for line in path.read_text().splitlines():
        found = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^]]*\])?==([^\s;\\]+)", line)
        if found:
            pins[re.sub(r"[-_.]+", "-", found.group(1)).lower()] = found.group(3)
    return pins


@pytest.mark.parametrize(
    ("inputs", "lock"),
    [
        ("requirements.txt", "requirements.lock"),
        ("requirements-dev.txt", "requirements-dev.lock"),
        ("requirements-imaging.txt", "requirements-imaging.lock"),
    ],
)
def test_the_lock_pins_what_its_inputs_ask_for(inputs, lock):
    wanted, locked = _pins(ROOT / inputs), _pins(ROOT / lock)
    assert {name: version for name, version in wanted.items() if locked.get(name) != version} == {}, (
        f"run make lock: {lock} is behind {inputs}"
    )


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-imaging.lock"])
def test_the_lambda_package_gets_the_versions_the_tests_run(lock):
    dev = _pins(ROOT / "requirements-dev.lock")
    assert {name: version for name, version in _pins(ROOT / lock).items() if dev.get(name) != version} == {}
