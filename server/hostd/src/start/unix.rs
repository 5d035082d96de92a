//! `napi-hostd`'s start on Linux and macOS: the sockets and rings by descriptor number, the
//! sandbox, the watchdog; the twin of `windows.rs`.

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;

#[cfg(target_os = "linux")]
use crate::descriptors;
use crate::sandbox::{self, Settings};
use crate::watchdog;
use napi_host::{Host, Stop};

const USAGE: &str = "usage: napi-hostd [--fd N] --ring N [--parent PID] [--sandbox] [--read PATH]... [--write PATH]... [--memory BYTES] [--cpu SECONDS] [--open-files N]\n  (--fd: a connected socket from napi_python, default 3, and the event socket after it; --ring: its shared-memory rings; --parent: the client's process, which it dies with)\n       napi-hostd --exports  (prints the Node-API functions it exports, each with its state)";

/// What the command line asks for: the socket, the rings' descriptor, the process it dies
/// with, the confinement.
struct Args {
    fd: i32,
    ring: i32,
    parent: Option<i32>,
    settings: Settings,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut fd, mut ring, mut parent, mut settings) = (3, None, None, Settings::default());
    let number = |flag: &str, value: Option<String>| -> Result<i32, String> {
        let n = value.ok_or(format!("{flag} takes a number"))?;
        n.parse().map_err(|_| format!("{flag} takes a number, not {n:?}"))
    };
    while let Some(flag) = args.next() {
        if flag == "--fd" {
            fd = number(&flag, args.next())?;
        } else if flag == "--ring" {
            ring = Some(number(&flag, args.next())?);
        } else if flag == "--parent" {
            parent = Some(number(&flag, args.next())?);
        } else if !settings.parse_option(&flag, &mut || args.next())? {
            return Err(format!("unknown option {flag:?}\n{USAGE}"));
        }
    }
    let ring = ring.ok_or(format!("--ring is required\n{USAGE}"))?;
    Ok(Args { fd, ring, parent, settings })
}

/// Maps the client's rings from descriptor `fd` (then closed: the mapping keeps the memory),
/// with the checks of any segment the client sends (sealed, large enough).
fn map_rings(fd: i32) -> std::io::Result<napi_link::shm::Rings> {
    // SAFETY: fcntl only reads the descriptor's flags.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: an open descriptor (checked above) this process was given and nothing else wraps.
    let file = unsafe { OwnedFd::from_raw_fd(fd) };
    napi_link::shm::Rings::of_peer(std::os::fd::AsFd::as_fd(&file))
}

/// Whether `fd` is an open socket.
fn is_socket(fd: i32) -> bool {
    // SAFETY: `stat` is plain integers, for which all zeroes is a valid value.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat only writes the descriptor's status into `st`, a valid out-parameter.
    let status = unsafe { libc::fstat(fd, &mut st) };
    status == 0 && st.st_mode & libc::S_IFMT == libc::S_IFSOCK
}

/// Serves the client that started this process, then exits.
pub(crate) fn main() -> ExitCode {
    // The only subscriber of this process, so setting it cannot fail.
    let _ = tracing::dispatcher::set_global_default(napi_host::logging::dispatch());
    let Args { fd, ring, parent, settings } = match parse_args() {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("napi-hostd: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(Err(e)) = parent.map(sandbox::die_with) {
        eprintln!("napi-hostd: {e}");
        return ExitCode::from(1);
    }
    if let Err(e) = sandbox::close_inherited(&[fd, fd + 1, ring]) {
        eprintln!("napi-hostd: {e}");
        return ExitCode::from(1);
    }
    if let Some(bad) = [fd, fd + 1].into_iter().find(|&n| !is_socket(n)) {
        eprintln!("napi-hostd: file descriptor {bad} is not a socket; napi-hostd is started by napi_python");
        return ExitCode::from(2);
    }
    // Before anything of the host is made, so that none of its own descriptors has a number a
    // program's descriptor could have.
    #[cfg(target_os = "linux")]
    let [fd, events_fd, ring] = match descriptors::keep_low_numbers_free([fd, fd + 1, ring], settings.limits.open_files) {
        Ok(moved) => moved,
        Err(e) => {
            eprintln!("napi-hostd: {e}");
            return ExitCode::from(1);
        }
    };
    #[cfg(not(target_os = "linux"))]
    let events_fd = fd + 1;
    // Confinement comes before any thread and before any addon code.
    let protections = match sandbox::apply_defaults().and_then(|active| settings.apply(active)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("napi-hostd: cannot confine itself as asked: {e}");
            return ExitCode::from(5);
        }
    };
    tracing::debug!(?protections, "confined");
    if let Err(e) = watchdog::watch(fd) {
        eprintln!("napi-hostd: cannot start the watchdog: {e}");
        return ExitCode::from(1);
    }
    // SAFETY: the descriptor is a socket this process owns (checked above) and nothing else
    // wraps it (the watchdog only polls the number).
    let stream = unsafe { UnixStream::from_raw_fd(fd) };
    // SAFETY: the event socket (checked above), which this process owns and nothing else wraps.
    let events = unsafe { UnixStream::from_raw_fd(events_fd) };
    let rings = match map_rings(ring) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("napi-hostd: cannot map the client's rings: {e}");
            return ExitCode::from(2);
        }
    };
    let host = Host::over_rings(stream, events, &rings);
    let stop = host.serve(protections);
    host.shutdown();
    napi_hostd::teardown::kill_descendants();
    match stop {
        Stop::Closed => ExitCode::SUCCESS,
        Stop::Protocol(e) => {
            eprintln!("napi-hostd: protocol error from the client: {e}");
            ExitCode::from(3)
        }
    }
}
