"""The suite's session folders (tests/session_folder.py): a session starting removes the folders
of sessions that have ended, and never a live one's. On Windows a session's loaded addon copies
cannot be removed by the session itself, so without this every run under wine left its copies
behind (3.7 GB a run of the Windows suite)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import session_folder

pytestmark = pytest.mark.either_mode

# tests/, where session_folder.py is
HERE = Path(__file__).resolve().parents[1]

# A session in a process of its own: makes its folder under argv[1], says which, waits for its
# standard input to close.
SESSION = """
import sys
sys.path.insert(0, sys.argv[2])
import session_folder
folder = session_folder.make(sys.argv[1])
(folder / "addon.node").write_bytes(b"a copy")
print(folder, flush=True)
sys.stdin.read()
"""


def start_session(parent: Path) -> tuple[subprocess.Popen[str], Path]:
    child = subprocess.Popen(
        [sys.executable, "-c", SESSION, str(parent), str(HERE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    return child, Path(child.stdout.readline().strip())


def end(child: subprocess.Popen[str]) -> None:
    child.communicate(timeout=60)
    assert child.returncode == 0


def test_a_live_sessions_folder_is_kept_and_an_ended_ones_removed(tmp_path):
    live, live_folder = start_session(tmp_path)
    ended, ended_folder = start_session(tmp_path)
    try:
        end(ended)
        assert (ended_folder / "addon.node").exists()
        assert session_folder.remove_ended(tmp_path) == [ended_folder]
        assert not ended_folder.exists()
        assert (live_folder / "addon.node").read_bytes() == b"a copy"
    finally:
        end(live)
    assert session_folder.remove_ended(tmp_path) == [live_folder]
    assert list(tmp_path.iterdir()) == []


def test_a_new_session_removes_the_ended_ones_before_it_starts(tmp_path):
    ended, ended_folder = start_session(tmp_path)
    end(ended)
    folder = session_folder.make(tmp_path)
    assert not ended_folder.exists()
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]
    # This process holds the new one: another look keeps it.
    assert session_folder.remove_ended(tmp_path) == []


def test_a_folder_without_an_owner_is_removed_only_once_it_is_old(tmp_path):
    older_suites = tmp_path / f"{session_folder.PREFIX}1234"
    older_suites.mkdir()
    assert session_folder.remove_ended(tmp_path) == []
    old = time.time() - session_folder.UNOWNED_AGE - 60
    os.utime(older_suites, (old, old))
    assert session_folder.remove_ended(tmp_path) == [older_suites]
