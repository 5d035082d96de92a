"""scripts/stamp.sh, the content stamps every caching script uses: a stamp is current only while
it holds what made the thing beside it, hashes are sha256 of the inputs' bytes, and a stamp the
scripts wrote before this helper existed (`echo "$want" >STAMP`, as in the caches machines keep
in /var/cache/napi-python) still counts, so no warm cache is made again for it."""

import hashlib
import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.either_mode

ROOT = Path(__file__).resolve().parents[2]
STAMP = ROOT / "scripts/stamp.sh"


def bash(script: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f'source "{STAMP}"\n{script}'],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_stamp_is_fresh_only_while_it_holds_what_made_the_thing(tmp_path):
    assert bash("stamp_fresh .made 'sid amd64 rustc'", tmp_path).returncode == 1
    assert bash("stamp_write .made 'sid amd64 rustc'", tmp_path).returncode == 0
    assert bash("stamp_fresh .made 'sid amd64 rustc'", tmp_path).returncode == 0
    assert bash("stamp_fresh .made 'sid amd64 rustc cargo'", tmp_path).returncode == 1
    assert bash("stamp_fresh .made 'sid amd64'", tmp_path).returncode == 1


def test_a_stamp_written_the_old_way_is_still_fresh(tmp_path):
    want = "ziglang==0.17.1 cargo-zigbuild==0.24.1"
    assert bash(f'echo "{want}" >.made && stamp_fresh .made "{want}"', tmp_path).returncode == 0
    assert (tmp_path / ".made").read_text() == want + "\n"
    assert bash(f'stamp_write again "{want}"', tmp_path).returncode == 0
    assert (tmp_path / "again").read_bytes() == (tmp_path / ".made").read_bytes()


def test_hashes_and_keys_are_sha256_of_the_inputs_bytes(tmp_path):
    (tmp_path / "a").write_bytes(b"requirements\n")
    (tmp_path / "b").write_bytes(b"\x00\xffbinary")
    digest = hashlib.sha256(b"requirements\n\x00\xffbinary").hexdigest()
    assert bash("stamp_hash a b", tmp_path).stdout == digest + "\n"
    assert (
        bash("stamp_hash", tmp_path, stdin="requirements\n").stdout
        == hashlib.sha256(b"requirements\n").hexdigest() + "\n"
    )
    assert bash("stamp_key a b", tmp_path).stdout == digest[:12] + "\n"
    assert bash("stamp_hash missing", tmp_path).returncode != 0, "a missing input is an error, not an empty hash"


def test_no_script_keeps_a_stamp_of_its_own():
    """Every script that caches uses the helper rather than a copy of it."""
    for script in sorted((ROOT / "scripts").iterdir()):
        if script.name == "stamp.sh" or not script.is_file():
            continue
        text = script.read_text(errors="replace")
        assert not re.search(r"sha256sum \| cut", text), f"{script.name} hashes inputs itself: stamp_hash/stamp_key"
        assert not re.search(r'\$\(cat "?\$[\w{}/.]*(made|stamp)', text), (
            f"{script.name} reads a stamp itself: stamp_fresh"
        )
