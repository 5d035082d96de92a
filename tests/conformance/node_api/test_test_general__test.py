"""node-api/test_general/test.js: the module's file name as a file: URL (also from a directory
whose name needs escaping), and napi_get_node_version against the host's own `process.version`
and `process.release.name`, as the JS file compares them with the node running it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import napi_python
from napi_python import js, load_addon


def path_to_file_url(path: Path) -> str:
    """url.pathToFileURL(path).href."""
    return path.resolve().as_uri()


def test_filename(node_addon):
    addon = node_addon("node-api", "test_general")
    # The file it was loaded from: in-process runs load a copy (see tests/conftest.py).
    assert addon.filename == path_to_file_url(Path(napi_python.addon_info(addon).path))


def test_filename_needing_escapes(node_addon, tmp_path):
    node_addon("node-api", "test_general")  # the suite must be built (see conftest.py)
    filename = node_addon.suite.addon_file("node-api", "test_general")
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
    # A plain object: it crosses to Python as a dict.
    process = js.get(js.global_this(addon), "process")
    assert process["version"].split("-")[0] == f"v{major}.{minor}.{patch}"
    assert release == process["release"]["name"] == "node"
