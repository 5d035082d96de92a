//! `napi-hostd`: runs Node-API addons for a `napi_python` client.
//!
//! Started by the client with one end of a socket pair as file descriptor 3 (or `--fd N`). It
//! speaks the protocol of `napi-protocol` on it until the client closes it, then runs each
//! addon's cleanup hooks and exits.

use std::os::fd::FromRawFd;
use std::os::unix::net::UnixStream;
use std::process::ExitCode;

use napi_host::host::{Host, Stop};

fn socket_fd() -> Result<i32, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(3),
        [flag, n] if flag == "--fd" => n.parse().map_err(|_| format!("--fd takes a number, not {n:?}")),
        _ => Err("usage: napi-hostd [--fd N]  (N: a connected socket from napi_python; default 3)".into()),
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("NAPI_HOSTD_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let fd = match socket_fd() {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("napi-hostd: {e}");
            return ExitCode::from(2);
        }
    };
    // SAFETY: fstat only reads the descriptor's status.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid out-parameter.
    if unsafe { libc::fstat(fd, &mut st) } != 0 || st.st_mode & libc::S_IFMT != libc::S_IFSOCK {
        eprintln!("napi-hostd: file descriptor {fd} is not a socket; napi-hostd is started by napi_python");
        return ExitCode::from(2);
    }
    // SAFETY: the descriptor is a socket this process owns (checked above) and nothing else
    // wraps it.
    let stream = unsafe { UnixStream::from_raw_fd(fd) };
    let host = match Host::new(stream) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("napi-hostd: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let stop = host.serve(Vec::new());
    host.shutdown();
    match stop {
        Stop::Closed => ExitCode::SUCCESS,
        Stop::Protocol(e) => {
            eprintln!("napi-hostd: protocol error from the client: {e}");
            ExitCode::from(3)
        }
    }
}
