"""File descriptors and addons that take them by number (addons/c/descriptors.c).

Isolated, a number Python's `os.open` gave names nothing of the program's in the host: it must
not name one of the host's own descriptors either (fs-native-extensions' `tryLock` of "fd 6"
locked the host's epoll and reported success). The host keeps its own above the numbers a
program's use, with placeholders below on which every operation fails with EBADF. In both modes
`js.descriptor` passes the descriptor itself: the addon's number is the program's open file.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sys

import pytest
from conftest import IN_PROCESS

import napi_python
from napi_python import js

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


def test_a_descriptor_passed_with_js_descriptor_is_the_programs_open_file(descriptors, tmp_path):
    """The addon's number is the same open file: the same inode, its offset shared, and the
    lock it takes (flock) is on the file, so another open of it cannot take one. Closing the
    host's descriptor leaves the program's; the lock goes once neither holds the file."""
    path = tmp_path / "locked"
    with open(path, "w") as f:
        number = js.descriptor(descriptors, f)
        assert descriptors.sameFile(number, str(path)) is True
        assert descriptors.tryLock(number) == 0
        other = os.open(path, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            f.write("a")
            f.flush()
            assert descriptors.append(number, "b") == 1
            assert js.close_descriptor(descriptors, number) is True
            assert js.close_descriptor(descriptors, number) is False
            f.write("c")
        finally:
            f.close()
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.close(other)
    assert path.read_text() == "abc"


def test_js_descriptor_takes_only_an_open_descriptor(descriptors, tmp_path):
    fd = os.open(tmp_path / "gone", os.O_CREAT | os.O_RDWR)
    os.close(fd)
    with pytest.raises(OSError) as info:
        js.descriptor(descriptors, fd)
    assert info.value.errno == errno.EBADF
    with pytest.raises(TypeError, match="fileno"):
        js.descriptor(descriptors, "3")
    assert js.close_descriptor(descriptors, 1) is False  # not one js.descriptor made
