//! Starting `napi-hostd` on Linux and macOS: `posix_spawn` with the socket pair and the rings at
//! fixed descriptor numbers; how a host ended, by its wait status. The twin of `windows.rs`.

use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

use napi_link::shm::Rings;

use super::posix_spawn;
use super::*;
use crate::link::host_output::Stream;

/// The file descriptor number the host finds its socket at.
const HOST_FD: i32 = 3;

/// The file descriptor number the host finds its event socket at: the doorbell of the event
/// ring, where messages no request asked for (event-chain calls, promise settlements, uncaught
/// exceptions) come, so the client's event dispatcher can always read them without taking
/// replies off the calling threads.
const EVENTS_FD: i32 = 4;

/// The file descriptor number the host finds its rings at (`--ring 5`).
const RINGS_FD: i32 = 5;

/// A connected pair of sockets whose writes to a closed peer fail with EPIPE and raise no SIGPIPE
/// on macOS, which has no `MSG_NOSIGNAL` (the option crosses into the host with the socket).
pub(super) fn socket_pair() -> std::io::Result<(UnixStream, UnixStream)> {
    let (a, b) = UnixStream::pair()?;
    napi_link::posix::no_sigpipe(std::os::fd::AsRawFd::as_raw_fd(&a))?;
    napi_link::posix::no_sigpipe(std::os::fd::AsRawFd::as_raw_fd(&b))?;
    Ok((a, b))
}

pub(super) fn spawn_here(what: Spawn) -> std::io::Result<(HostProcess, Sockets)> {
    let (ours, theirs) = socket_pair()?;
    let (our_events, their_events) = socket_pair()?;
    let (rings, rings_file) = Rings::create()?;
    let mut args = what.args.clone();
    // The host arms its parent-death signal itself, and exits if this process is gone by then.
    args.extend(["--ring".into(), RINGS_FD.to_string(), "--parent".into(), std::process::id().to_string()]);
    let pass = [theirs.as_fd(), their_events.as_fd(), rings_file.fd.as_fd()];
    debug_assert_eq!([HOST_FD, EVENTS_FD, RINGS_FD], [3, 4, 5], "posix_spawn places the descriptors from 3 on, in order");
    let output = Output::new()?;
    let child = posix_spawn::spawn(&what.program, &args, &what.env, &pass)?;
    drop(theirs);
    drop(their_events);
    drop(rings_file);
    let limit = |flag: &str| what.args.iter().position(|a| a == flag).and_then(|i| what.args.get(i + 1)).and_then(|v| v.parse().ok());
    let process = HostProcess {
        pid: child.pid,
        output,
        memory_limit: limit("--memory"),
        cpu_limit: limit("--cpu"),
        exit: Mutex::new(None),
        runner: Runner::Child,
    };
    let output = &process.output;
    if let Err(e) = output.drain(Stream::Stdout, child.stdout).and_then(|()| output.drain(Stream::Stderr, child.stderr)) {
        // A host whose output nobody reads would block on it: it goes at once.
        process.kill_all();
        process.reap(Duration::ZERO);
        return Err(e);
    }
    Ok((process, Sockets { main: ours, events: our_events, rings }))
}

pub fn describe(exit: Exit) -> Ending {
    let s = exit.status;
    if libc::WIFSIGNALED(s) {
        Ending { signal: Some(signal_name(libc::WTERMSIG(s))), exit_code: None }
    } else if libc::WIFEXITED(s) {
        Ending { signal: None, exit_code: Some(libc::WEXITSTATUS(s)) }
    } else {
        Ending { signal: None, exit_code: None }
    }
}

fn signal_name(sig: i32) -> String {
    let name = match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGSYS => "SIGSYS",
        other => return format!("signal {other}"),
    };
    name.to_string()
}
