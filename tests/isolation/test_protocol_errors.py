"""Malformed or oversized frames from a client are rejected with an error, never a crash, and
the host does not allocate what a frame merely claims. The tests play the client by hand: they
make the shared-memory rings (link/src/shm/ring.rs) and write frames into them."""

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

# The shared-memory rings of the isolated fast path (link/src/shm/ring.rs), as the
# client makes them: a control page (per ring, at 384-byte steps: write index, read index 128
# bytes on, sleeping flag 256 bytes on), then 1 MiB for the client's bytes, then 1 MiB for the
# host's, then 1 MiB for the host's events.
RING_CAPACITY = 1 << 20
RINGS_LEN = 4096 + 3 * RING_CAPACITY
TO_HOST_HEAD, TO_CLIENT_HEAD = 0, 384


def rings_file(sealed: bool = True) -> int:
    fd = os.memfd_create("napi-rings", os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, RINGS_LEN)
    if sealed:
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
    return fd


def start_host_over_rings(ring_fd: int) -> tuple[subprocess.Popen[bytes], socket.socket]:
    """napi-hostd with a socket as fd 3, the event socket as fd 4 and the rings as fd 5, as the
    client starts it."""
    ours, theirs = socket.socketpair()
    our_events, their_events = socket.socketpair()
    # Above 5 first, so that placing one cannot overwrite another.
    main, events, rings = (os.dup(fd) for fd in (theirs.fileno(), their_events.fileno(), ring_fd))
    for fd in (main, events, rings):
        os.set_inheritable(fd, True)

    def place() -> None:
        os.dup2(main, 3)
        os.dup2(events, 4)
        os.dup2(rings, 5)

    proc = subprocess.Popen(
        [hostd_path(), "--ring", "5"],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=place,
        close_fds=False,
    )
    for fd in (main, events, rings):
        os.close(fd)
    theirs.close()
    their_events.close()
    our_events.close()
    return proc, ours


def greeted(rings: mmap.mmap) -> None:
    """Waits for the host's greeting on the ring to the client."""
    deadline = time.monotonic() + 10
    while struct.unpack_from("<Q", rings, TO_CLIENT_HEAD)[0] == 0:
        assert time.monotonic() < deadline, "no greeting"
        time.sleep(0.001)
    hello_len = struct.unpack_from("<I", rings, 4096 + RING_CAPACITY)[0]
    assert 0 < hello_len < 64


def send_to_host(rings: mmap.mmap, sock: socket.socket, data: bytes) -> None:
    """Writes `data` into the ring to the host, as the client's producer does, and wakes it."""
    at = struct.unpack_from("<Q", rings, TO_HOST_HEAD)[0]
    rings[4096 + at : 4096 + at + len(data)] = data
    struct.pack_into("<Q", rings, TO_HOST_HEAD, at + len(data))
    sock.send(b"!")


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
        greeted(rings)
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


@pytest.mark.parametrize(
    "frame, why",
    [
        (struct.pack("<I", 0xFFFFFFFF), "exceeds the limit"),
        (struct.pack("<I", 5) + b"\xff\xff\xff\xff\xff", "malformed frame"),
        # A request whose release list claims 2^60 entries in a 12-byte payload.
        (struct.pack("<I", 12) + b"\x00\x01\x01\xfd" + b"\xff" * 7 + b"\x0f", "malformed frame"),
        # A compact call (0xC8) cut short: the serving loop's look takes it whole and refuses it.
        (struct.pack("<I", 2) + b"\xc8\x00", "a compact frame cut short"),
    ],
    ids=["oversized", "garbage", "huge-claimed-vector", "short-compact-call"],
)
def test_bad_frames_end_the_host_with_an_error_not_a_signal(frame, why):
    fd = rings_file()
    with mmap.mmap(fd, RINGS_LEN) as rings:
        proc, sock = start_host_over_rings(fd)
        greeted(rings)
        send_to_host(rings, sock, frame)
        code, stderr = exit_of(proc, sock, fd)
    assert code == 3, stderr  # a clean protocol-error exit, not a crash
    assert "protocol error" in stderr and why in stderr


def test_a_truncated_frame_then_close_is_a_clean_exit():
    fd = rings_file()
    with mmap.mmap(fd, RINGS_LEN) as rings:
        proc, sock = start_host_over_rings(fd)
        greeted(rings)
        send_to_host(rings, sock, struct.pack("<I", 100) + b"abc")
        sock.shutdown(socket.SHUT_WR)
        code, stderr = exit_of(proc, sock, fd)
    assert code in (0, 3), stderr


def test_the_host_refuses_to_run_without_its_rings_and_sockets():
    proc = subprocess.run([hostd_path()], stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    assert proc.returncode == 2
    assert b"--ring is required" in proc.stderr
    proc = subprocess.run([hostd_path(), "--ring", "5"], stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    assert proc.returncode == 2
    assert b"not a socket" in proc.stderr
