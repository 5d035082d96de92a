"""Nothing of Node's suites is silently missing: each JS file of each suite is driven or listed
in skipped.py, and each driver and skipped.py entry names a JS file of some suite."""

from __future__ import annotations

import re

from .conftest import HERE, SUITES, driver_file
from .skipped import SKIPPED


def _all_js_files() -> set[tuple[str, str, str]]:
    for suite in SUITES:
        suite.require()
    return {key for suite in SUITES for key in suite.js_files()}


def test_every_js_file_is_driven_or_skipped(node_suite):
    files = node_suite.js_files()
    # The two folders of the pinned release (scripts/node-tests pins it).
    assert len(files) == node_suite.js_file_count, (
        f"{len(files)} JS files under {node_suite.root}: a partial extraction?"
    )
    missing = []
    both = []
    for key in files:
        driven = driver_file(*key).exists()
        if not driven and key not in SKIPPED:
            missing.append("/".join(key) + f" (driver: {driver_file(*key).relative_to(HERE)})")
        if driven and key in SKIPPED:
            both.append("/".join(key))
    assert not missing, "JS files with neither a driver nor a skipped.py entry:\n" + "\n".join(missing)
    assert not both, "JS files both driven and listed in skipped.py:\n" + "\n".join(both)


def test_skipped_entries_exist():
    files = _all_js_files()
    stale = ["/".join(k) for k in SKIPPED if k not in files]
    assert not stale, f"skipped.py lists files no suite has: {stale}"


def test_every_driver_has_its_js_file():
    names = {driver_file(*key).name for key in _all_js_files()}
    strays = [
        p.relative_to(HERE).as_posix()
        for folder in ("js_native_api", "node_api")
        for p in sorted((HERE / folder).glob("test_*.py"))
        if p.name not in names
    ]
    assert not strays, f"drivers named after no JS file of any suite: {strays}"


def test_driver_names_are_identifiers():
    for key in SKIPPED:
        assert re.fullmatch(r"test_\w+\.py", driver_file(*key).name)
