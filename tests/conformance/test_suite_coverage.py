"""Nothing of Node's suite is silently missing: each JS file is driven or listed in skipped.py."""

from __future__ import annotations

import re

from .conftest import HERE, driver_file
from .skipped import SKIPPED


def _js_files(root):
    for suite in ("js-native-api", "node-api"):
        for js in sorted((root / suite).glob("*/*.js")):
            yield suite, js.parent.name, js.name


def test_every_js_file_is_driven_or_skipped(node_tests_dir):
    files = list(_js_files(node_tests_dir))
    # Node 20.19.2's two folders (scripts/node-tests pins the version): shared/node20_tests.tsv's 94.
    assert len(files) == 94, f"{len(files)} JS files under {node_tests_dir}: a partial extraction?"
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


def test_skipped_entries_exist(node_tests_dir):
    files = set(_js_files(node_tests_dir))
    stale = ["/".join(k) for k in SKIPPED if k not in files]
    assert not stale, f"skipped.py lists files the suite does not have: {stale}"


def test_every_driver_has_its_js_file(node_tests_dir):
    names = {driver_file(*key).name for key in _js_files(node_tests_dir)}
    strays = [
        p.relative_to(HERE).as_posix()
        for folder in ("js_native_api", "node_api")
        for p in sorted((HERE / folder).glob("test_*.py"))
        if p.name not in names
    ]
    assert not strays, f"drivers named after no JS file of the suite: {strays}"


def test_driver_names_are_identifiers():
    for key in SKIPPED:
        assert re.fullmatch(r"test_\w+\.py", driver_file(*key).name)
