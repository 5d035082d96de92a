//! `socket-echo`: the baseline of the call benchmark (`tests/bench/bench_calls.py`).
//!
//! Takes a connected socket as file descriptor 3 (as `napi-hostd` does) and sends every frame it
//! reads straight back: a u32 little-endian length, then that many bytes. One Python ping through
//! it is the cheapest round trip the socket pair allows, the floor a Python call into an addon is
//! compared against. It exits when the other end closes.
//!
//! `--spin`: before each blocking read, look for the next frame without blocking for a while,
//! as napi-hostd's socket path does, so that an unpinned baseline does not pay the
//! cross-CPU wake-up a spinning host avoids.

#![deny(clippy::undocumented_unsafe_blocks)]

#[cfg(unix)]
use std::io::{ErrorKind, Read, Write};
#[cfg(unix)]
use std::os::fd::FromRawFd;
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::process::ExitCode;

/// Larger frames mean a confused client, not a benchmark.
#[cfg(unix)]
const MAX_FRAME: usize = 16 << 20;

#[cfg(unix)]
fn echo(stream: &mut UnixStream, spin: bool) -> std::io::Result<()> {
    let mut frame = Vec::new();
    loop {
        if spin {
            use std::os::fd::AsRawFd;
            napi_link::spin::spin_until_readable(&[stream.as_raw_fd()], napi_link::spin::SPIN);
        }
        let mut header = [0u8; 4];
        match stream.read_exact(&mut header) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let len = u32::from_le_bytes(header) as usize;
        if len > MAX_FRAME {
            return Err(std::io::Error::new(ErrorKind::InvalidData, format!("frame of {len} bytes")));
        }
        // Header and payload leave in one write, as a real reply would.
        frame.clear();
        frame.extend_from_slice(&header);
        frame.resize(4 + len, 0);
        stream.read_exact(&mut frame[4..])?;
        stream.write_all(&frame)?;
    }
}

/// The benchmark's baseline is a Unix socket's: nothing to echo on Windows.
#[cfg(windows)]
fn main() -> ExitCode {
    eprintln!("socket-echo: the call benchmark's Unix-socket baseline; Windows has none");
    ExitCode::from(2)
}

#[cfg(unix)]
fn main() -> ExitCode {
    // SAFETY: `stat` is plain integers, for which all zeroes is a valid value.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat only writes the descriptor's status into `st`, a valid out-parameter.
    if unsafe { libc::fstat(3, &mut st) } != 0 || st.st_mode & libc::S_IFMT != libc::S_IFSOCK {
        eprintln!("socket-echo: file descriptor 3 is not a socket (start it from tests/bench/bench_calls.py)");
        return ExitCode::from(2);
    }
    // SAFETY: descriptor 3 is a socket (checked above) that this process owns and nothing else
    // wraps.
    let mut stream = unsafe { UnixStream::from_raw_fd(3) };
    let spin = std::env::args().nth(1).as_deref() == Some("--spin");
    match echo(&mut stream, spin) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("socket-echo: {e}");
            ExitCode::from(1)
        }
    }
}
