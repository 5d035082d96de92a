"""What every wheel scripts/pack-wheel writes must hold, whatever its platform (the Windows and
macOS wheels, tests/platforms/test_windows_wheels.py and tests/platforms/test_macos_wheels.py): its name and WHEEL
file carry one tag, RECORD lists every file once with its hash and size, and its files are the
package's tracked ones, the extension, the host and the dist-info. Each check raises
AssertionError naming what is wrong."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

VERSION = re.search(r'^version = "(.+)"', (ROOT / "Cargo.toml").read_text(), re.M)[1]  # type: ignore[index]
PACKAGE = "client-py/python/napi_python"
DIST_INFO = f"napi_python-{VERSION}.dist-info"
ALL_TAGS = "cp311 cp312 cp313 cp314 cp315"


def built_wheels(folder_variable: str, platform: str) -> list[Path]:
    """The wheels for `platform` in the folder the build script names in `folder_variable`, none
    when it names none (wheels left by an earlier build may predate the checkout's files)."""
    folder = os.environ.get(folder_variable)
    return sorted(Path(folder).glob(f"napi_python-*-{platform}.whl")) if folder else []


def check_every_tag_built(folder_variable: str, tags_variable: str, platform: str) -> None:
    """Every CPython the build script was asked for has its wheel (all five when it names none)."""
    if not os.environ.get(folder_variable):
        pytest.skip(f"{folder_variable} is unset: the build script that makes these wheels sets it")
    tags = {tag_of(wheel) for wheel in built_wheels(folder_variable, platform)}
    wanted = set(os.environ.get(tags_variable, ALL_TAGS).split())
    assert wanted <= tags, f"{os.environ[folder_variable]} lacks {sorted(wanted - tags)} for {platform}"


def export_names(list_file: str) -> set[str]:
    """The functions one of the shared export lists (server/napi/) names."""
    lines = (ROOT / "server" / "napi" / list_file).read_text().splitlines()
    return {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}


def tag_of(wheel: Path) -> str:
    return wheel.name.split("-")[2]


def check_name_and_wheel_file(wheel: Path, platform: str) -> None:
    tag = tag_of(wheel)
    assert re.fullmatch(r"cp3\d+", tag)
    assert wheel.name == f"napi_python-{VERSION}-{tag}-{tag}-{platform}.whl"
    with zipfile.ZipFile(wheel) as zf:
        info = zf.read(f"{DIST_INFO}/WHEEL").decode().splitlines()
        meta = zf.read(f"{DIST_INFO}/METADATA").decode()
    assert f"Tag: {tag}-{tag}-{platform}" in info
    assert "Root-Is-Purelib: false" in info
    assert f"\nVersion: {VERSION}\n" in meta and meta.startswith("Metadata-Version: 2.4\nName: napi-python\n")


def check_record(wheel: Path) -> None:
    record_name = f"{DIST_INFO}/RECORD"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        rows = [line.split(",") for line in zf.read(record_name).decode().splitlines()]
        assert sorted(row[0] for row in rows) == sorted(names)
        for name, digest, size in rows:
            if name == record_name:
                assert (digest, size) == ("", "")
                continue
            data = zf.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert (digest, size) == (f"sha256={expected}", str(len(data))), name


def check_files(wheel: Path, extension: str, host: str) -> None:
    """The package's tracked files (no build output of the Linux checkout), the extension and
    the host (names inside napi_python/) and the dist-info, nothing else."""
    tracked = subprocess.run(["git", "ls-files", PACKAGE], cwd=ROOT, capture_output=True, text=True, check=True)
    expected = {"napi_python/" + name.removeprefix(PACKAGE + "/") for name in tracked.stdout.split()}
    expected |= {f"napi_python/{extension}", f"napi_python/{host}"}
    expected |= {f"{DIST_INFO}/{name}" for name in ("METADATA", "WHEEL", "RECORD", "licenses/LICENSE")}
    with zipfile.ZipFile(wheel) as zf:
        assert set(zf.namelist()) == expected
