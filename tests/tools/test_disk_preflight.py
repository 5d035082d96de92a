"""The test command refuses to start on a disk too full for a run, naming the free space and
the need, rather than failing half-way with errors that name a linker or mktemp."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.either_mode

ROOT = Path(__file__).resolve().parents[2]


def test_the_test_command_refuses_a_disk_without_room_for_a_run(tmp_path):
    # Far above what the disk has, however much others write meanwhile.
    need = str(shutil.disk_usage(ROOT).total // 2**30 + 1000)
    env = {**os.environ, "NAPI_PYTHON_TEST_FREE_GB": need, "TMPDIR": str(tmp_path)}
    proc = subprocess.run(
        [str(ROOT / "scripts/test"), "--linux", "-k", "nothing"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    said = re.search(rf"{re.escape(str(ROOT))} has (\d+) GB free; a run needs about {need} GB", proc.stderr)
    assert said, proc.stderr
    assert int(said[1]) <= shutil.disk_usage(ROOT).total // 2**30
    assert "==>" not in proc.stderr, "nothing of the run may start"
