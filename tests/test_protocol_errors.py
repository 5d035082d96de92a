"""Malformed or oversized frames from a client are rejected with an error, never a crash, and
the host does not allocate what a frame merely claims."""

from __future__ import annotations

import os
import socket
import struct
import subprocess

import pytest

from napi_python import hostd_path


def start_host() -> tuple[subprocess.Popen[bytes], socket.socket]:
    ours, theirs = socket.socketpair()
    proc = subprocess.Popen(
        [hostd_path()],
        pass_fds=(3,) if theirs.fileno() == 3 else (),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=(lambda fd=theirs.fileno(): os.dup2(fd, 3)) if theirs.fileno() != 3 else None,
        close_fds=False,
    )
    theirs.close()
    ours.settimeout(10)
    hello_len = struct.unpack("<I", ours.recv(4))[0]
    assert 0 < hello_len < 64
    ours.recv(hello_len)
    return proc, ours


@pytest.mark.parametrize(
    "frame, why",
    [
        (struct.pack("<I", 0xFFFFFFFF), "exceeds the limit"),
        (struct.pack("<I", 5) + b"\xff\xff\xff\xff\xff", "malformed frame"),
        # A request whose release list claims 2^60 entries in a 12-byte payload.
        (struct.pack("<I", 12) + b"\x00\x01\x01\xfd" + b"\xff" * 7 + b"\x0f", "malformed frame"),
    ],
    ids=["oversized", "garbage", "huge-claimed-vector"],
)
def test_bad_frames_end_the_host_with_an_error_not_a_signal(frame, why):
    proc, sock = start_host()
    sock.sendall(frame)
    code = proc.wait(timeout=10)
    with proc.stderr:
        stderr = proc.stderr.read().decode()
    sock.close()
    assert code == 3, stderr  # a clean protocol-error exit, not a crash
    assert "protocol error" in stderr and why in stderr


def test_a_truncated_frame_then_close_is_a_clean_exit():
    proc, sock = start_host()
    sock.sendall(struct.pack("<I", 100) + b"abc")
    sock.shutdown(socket.SHUT_WR)
    assert proc.wait(timeout=10) in (0, 3)
    proc.stderr.close()
    sock.close()


def test_the_host_refuses_to_run_without_a_socket():
    proc = subprocess.run([hostd_path()], stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    assert proc.returncode == 2
    assert b"not a socket" in proc.stderr
