"""File descriptors and addons that take them by number (issue 79; addons/c/descriptors.c).

Isolated, a number Python's `os.open` gave names nothing of the program's in the host: it must
not name one of the host's own descriptors either (fs-native-extensions' `tryLock` of "fd 6"
locked the host's epoll and reported success). The host keeps its own above the numbers a
program's use, with placeholders below on which every operation fails with EBADF.
"""

from __future__ import annotations

import errno
import os
import sys

import pytest
from conftest import IN_PROCESS

import napi_python

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="the host reserves low numbers on Linux")


@pytest.fixture
def descriptors(load):
    return load("descriptors")


@pytest.mark.isolated_only
@linux_only
def test_a_programs_number_names_none_of_the_hosts_descriptors(descriptors, tmp_path):
    path = tmp_path / "locked"
    fd = os.open(path, os.O_CREAT | os.O_RDWR)
    try:
        # The program's own number, and every other a program's descriptor is likely to have.
        for n in [fd, *range(3, 64)]:
            assert descriptors.tryLock(n) == errno.EBADF, n
            assert descriptors.append(n, "x") == -errno.EBADF, n
        assert path.read_text() == ""
    finally:
        os.close(fd)


@pytest.mark.isolated_only
@linux_only
def test_the_hosts_own_descriptors_are_above_the_numbers_programs_use(descriptors):
    """Every number from 3 to 255 is a placeholder (an O_PATH descriptor of "/"), the host's
    sockets, eventfds, epolls and libuv's pipes all above."""
    pid = napi_python.addon_info(descriptors).pid
    numbers = sorted(int(n) for n in os.listdir(f"/proc/{pid}/fd"))
    low = {n: os.readlink(f"/proc/{pid}/fd/{n}") for n in numbers if 3 <= n < 256}
    assert sorted(low) == list(range(3, 256))
    assert set(low.values()) == {"/"}
    own = [os.readlink(f"/proc/{pid}/fd/{n}") for n in numbers if n >= 256]
    assert any(kind.startswith("socket:") for kind in own)
    assert "anon_inode:[eventpoll]" in own


@pytest.mark.skipif(not IN_PROCESS, reason="in-process, a program's number is the same process's")
def test_in_process_a_programs_number_is_its_own_file(descriptors, tmp_path):
    path = tmp_path / "mine"
    fd = os.open(path, os.O_CREAT | os.O_RDWR)
    try:
        assert descriptors.sameFile(fd, str(path)) is True
        assert descriptors.append(fd, "x") == 1
        assert path.read_text() == "x"
    finally:
        os.close(fd)
