"""Malformed or oversized frames from a client are rejected with an error, never a crash, and
the host does not allocate what a frame merely claims."""

from __future__ import annotations

import fcntl
import mmap
import os
import socket
import struct
import subprocess
import time

import pytest

from napi_python import hostd_path


def start_host() -> tuple[subprocess.Popen[bytes], socket.socket]:
    ours, theirs = socket.socketpair()
    fd = theirs.fileno()
    proc = subprocess.Popen(
        [hostd_path()],
        pass_fds=(3,) if theirs.fileno() == 3 else (),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=(lambda: os.dup2(fd, 3)) if fd != 3 else None,
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


# The shared-memory rings of the isolated fast path (link/src/shm/ring.rs, D34), as the
# client makes them: a control page (per ring, at 384-byte steps: write index, read index 128
# bytes on, sleeping flag 256 bytes on), then 1 MiB for the client's bytes, then 1 MiB for the
# host's.
RING_CAPACITY = 1 << 20
RINGS_LEN = 4096 + 2 * RING_CAPACITY
TO_HOST_HEAD, TO_CLIENT_HEAD = 0, 384


def rings_file(sealed: bool = True) -> int:
    fd = os.memfd_create("napi-rings", os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, RINGS_LEN)
    if sealed:
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
    return fd


def start_host_over_rings(ring_fd: int) -> tuple[subprocess.Popen[bytes], socket.socket]:
    """napi-hostd with a socket as fd 3 and the rings as fd 5, as the client starts it."""
    ours, theirs = socket.socketpair()

    def place() -> None:
        os.dup2(theirs.fileno(), 3)
        os.dup2(ring_fd, 5)

    proc = subprocess.Popen(
        [hostd_path(), "--ring", "5"],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=place,
        close_fds=False,
    )
    theirs.close()
    return proc, ours


def exit_of(proc: subprocess.Popen[bytes], sock: socket.socket, fd: int) -> tuple[int, str]:
    """The host's exit status and stderr, once it exits; closes the client's ends."""
    code = proc.wait(timeout=10)
    with proc.stderr:
        stderr = proc.stderr.read().decode()
    sock.close()
    os.close(fd)
    return code, stderr


def test_a_client_that_breaks_a_ring_index_ends_the_host_with_a_protocol_error():
    fd = rings_file()
    with mmap.mmap(fd, RINGS_LEN) as rings:
        proc, sock = start_host_over_rings(fd)
        # The greeting arrives on the ring to the client.
        deadline = time.monotonic() + 10
        while struct.unpack_from("<Q", rings, TO_CLIENT_HEAD)[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        hello_len = struct.unpack_from("<I", rings, 4096 + RING_CAPACITY)[0]
        assert 0 < hello_len < 64
        # Claim more bytes than the ring to the host holds, and wake the host (asleep by now).
        struct.pack_into("<Q", rings, TO_HOST_HEAD, 3 * RING_CAPACITY)
        sock.send(b"!")
        code, stderr = exit_of(proc, sock, fd)
    assert code == 3, stderr
    assert "protocol error" in stderr and "broke the ring to the host" in stderr, stderr


def test_the_host_refuses_rings_that_could_shrink():
    fd = rings_file(sealed=False)
    code, stderr = exit_of(*start_host_over_rings(fd), fd)
    assert code == 2, stderr
    assert "cannot map the client's rings" in stderr and "not sealed" in stderr, stderr
