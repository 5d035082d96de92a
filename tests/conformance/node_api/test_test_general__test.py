"""node-api/test_general/test.js (partial): the module's file name as a file: URL (also from a
directory whose name needs escaping), and napi_get_node_version.

Left out: the JS file compares napi_get_node_version with `process.version` and
`process.release.name` of the node running it; a host has no process object, so the driver
checks the shape of the answer (three non-negative integers and the release name "node").
"""

from __future__ import annotations

import shutil
from pathlib import Path

from napi_python import load_addon

from ..conftest import addon_file


def path_to_file_url(path: Path) -> str:
    """url.pathToFileURL(path).href."""
    return path.resolve().as_uri()


def test_filename(node_addon):
    addon = node_addon("node-api", "test_general")
    # The file it was loaded from: in-process runs load a copy (see tests/conftest.py).
    assert addon.filename == path_to_file_url(Path(addon.path))


def test_filename_needing_escapes(node_addon, tmp_path):
    node_addon("node-api", "test_general")  # the suite must be built (see conftest.py)
    filename = addon_file("node-api", "test_general")
    url_test_dir = tmp_path / "foo%#bar"
    url_test_dir.mkdir(parents=True)
    url_test_file = url_test_dir / filename.name
    shutil.copyfile(filename, url_test_file)
    with load_addon(str(url_test_file)) as copy:
        reported_filename = copy.filename
    assert "foo%#bar" not in reported_filename
    assert reported_filename == path_to_file_url(url_test_file)


def test_node_version(node_addon):
    addon = node_addon("node-api", "test_general")
    major, minor, patch, release = addon.testGetNodeVersion()
    for n in (major, minor, patch):
        assert isinstance(n, int) and n >= 0
    assert release == "node"
