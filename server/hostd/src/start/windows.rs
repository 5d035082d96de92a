//! `napi-hostd.exe`'s start on Windows, the twin of `unix.rs`.
//!
//! Windows has no descriptors to inherit by number: the client starts the host with its standard
//! input a pipe, duplicates the host's handles into it (D34: only the client holds a handle to
//! the other process) and writes their values there, one line of seven numbers: the main link's
//! pipe, its wake-up event in and out, the event link's three, and the rings' section. The host
//! checks each, maps the rings as it maps any section of the client's (every page committed),
//! then serves. There is no sandbox here (wine confines nothing, so none could be tested): a
//! request for one is refused, and the client refuses it before starting a host. The host dies
//! with its client through the job object the client puts it in; `--parent PID` adds a watch of
//! the client's process, for a host started outside a job.

use std::io::BufRead;
use std::os::windows::io::{BorrowedHandle, FromRawHandle, OwnedHandle, RawHandle};
use std::process::ExitCode;
use std::time::Duration;

use napi_host::{Host, Stop};
use napi_link::streams::{Connection, HandleCarrier};
use windows_sys::Win32::Foundation::{GetHandleInformation, EXCEPTION_STACK_OVERFLOW};
use windows_sys::Win32::System::Diagnostics::Debug::{AddVectoredExceptionHandler, EXCEPTION_CONTINUE_SEARCH, EXCEPTION_POINTERS};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, TerminateProcess, WaitForSingleObject, INFINITE, PROCESS_SYNCHRONIZE,
};

const USAGE: &str = "usage: napi-hostd.exe [--parent PID]  (started by napi_python, which writes its handles to standard input)\n       napi-hostd.exe --exports  (prints the Node-API functions it exports, each with its state)";

/// The options Linux's sandbox takes: refused here, with the reason.
const SANDBOX_OPTIONS: [&str; 6] = ["--sandbox", "--read", "--write", "--memory", "--cpu", "--open-files"];

/// How long the JS thread gets after the client's death to end by itself (as on Linux).
const GRACE: Duration = Duration::from_secs(2);

pub(crate) fn main() -> ExitCode {
    end_on_stack_overflow();
    let _ = tracing::dispatcher::set_global_default(napi_host::logging::dispatch());
    let parent = match parse_args(std::env::args().skip(1)) {
        Ok(parent) => parent,
        Err((e, status)) => {
            eprintln!("napi-hostd: {e}");
            return ExitCode::from(status);
        }
    };
    let handles = match read_handles(std::io::stdin().lock()) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("napi-hostd: {e}; napi-hostd is started by napi_python");
            return ExitCode::from(2);
        }
    };
    if let Some(pid) = parent {
        if let Err(e) = watch_parent(pid) {
            eprintln!("napi-hostd: cannot watch the client's process {pid}: {e}");
            return ExitCode::from(1);
        }
    }
    let [pipe, wake_in, wake_out, events_pipe, events_in, events_out, section] = handles;
    let rings = match napi_link::shm::Rings::of_peer(borrow(&section)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("napi-hostd: cannot map the client's rings: {e}");
            return ExitCode::from(2);
        }
    };
    drop(section);
    let link = Connection { pipe, wake_in, wake_out, handles: HandleCarrier::Held };
    let events = Connection { pipe: events_pipe, wake_in: events_in, wake_out: events_out, handles: HandleCarrier::Held };
    let host = Host::over_rings(link, events, &rings);
    let stop = host.serve(Vec::new());
    host.shutdown();
    match stop {
        Stop::Closed => ExitCode::SUCCESS,
        Stop::Protocol(e) => {
            eprintln!("napi-hostd: protocol error from the client: {e}");
            // Not 3, as on Linux: 3 is the C runtime's abort() here (client/src/link/host_process/job_object.rs).
            ExitCode::from(6)
        }
    }
}

/// The client's process id, if given; an error with its exit status (5: a sandbox asked for).
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<u32>, (String, u8)> {
    let mut parent = None;
    while let Some(flag) = args.next() {
        if flag == "--parent" {
            let n = args.next().ok_or(("--parent takes a number".to_string(), 2))?;
            parent = Some(n.parse().map_err(|_| (format!("--parent takes a number, not {n:?}"), 2))?);
        } else if SANDBOX_OPTIONS.contains(&flag.as_str()) {
            let why = "napi-hostd has no sandbox on Windows (it would need a restricted token or an AppContainer, and job limits)";
            return Err((format!("cannot confine itself as asked ({flag}): {why}"), 5));
        } else {
            return Err((format!("unknown option {flag:?}\n{USAGE}"), 2));
        }
    }
    Ok(parent)
}

/// The seven handles the client wrote, each checked to be a handle this process holds.
fn read_handles(mut input: impl BufRead) -> Result<[OwnedHandle; 7], String> {
    let mut line = String::new();
    input.read_line(&mut line).map_err(|e| format!("cannot read the client's handles: {e}"))?;
    let values: Vec<usize> = line
        .split_whitespace()
        .map(|v| v.parse().map_err(|_| format!("the client's handles are numbers, not {v:?}")))
        .collect::<Result<_, _>>()?;
    let values: [usize; 7] = values.try_into().map_err(|v: Vec<usize>| format!("seven handles expected, {} given", v.len()))?;
    for &v in &values {
        let mut flags = 0u32;
        // SAFETY: only asks the system about a value; a value that is no handle of ours fails.
        if v == 0 || unsafe { GetHandleInformation(v as RawHandle, &mut flags) } == 0 {
            return Err(format!("{v} is not a handle of this process"));
        }
    }
    // SAFETY: each is a handle of this process (checked above), given to it alone by the client;
    // nothing else wraps them.
    Ok(values.map(|v| unsafe { OwnedHandle::from_raw_handle(v as RawHandle) }))
}

fn borrow(handle: &OwnedHandle) -> BorrowedHandle<'_> {
    std::os::windows::io::AsHandle::as_handle(handle)
}

/// An addon's stack overflow ends the host at once with the exception's code (0xC00000FD), which
/// the client names in `AddonCrashedError`. Left to the unhandled-exception path, the handlers run
/// on what is left of the stack: under wine 10 the overflow then reaches the stack's last page and
/// only the overflowing thread is ended, so the host, its JS thread gone, never answers again.
/// First in line, so an addon's own handler cannot catch the overflow either (none is expected to:
/// node does not recover from one).
fn end_on_stack_overflow() {
    unsafe extern "system" fn on_exception(info: *mut EXCEPTION_POINTERS) -> i32 {
        // SAFETY: the system passes a valid record for the exception being dispatched.
        if unsafe { (*(*info).ExceptionRecord).ExceptionCode } == EXCEPTION_STACK_OVERFLOW {
            // SAFETY: ends this process; the pseudo-handle needs no closing.
            unsafe { TerminateProcess(GetCurrentProcess(), EXCEPTION_STACK_OVERFLOW as u32) };
        }
        EXCEPTION_CONTINUE_SEARCH
    }
    // SAFETY: registers a handler that lives as long as the program.
    unsafe { AddVectoredExceptionHandler(1, Some(on_exception)) };
}

/// Exits `GRACE` after the client's process `pid` ends, whatever the JS thread is doing.
fn watch_parent(pid: u32) -> std::io::Result<()> {
    // SAFETY: asks only to wait on the process.
    let raw = unsafe { OpenProcess(PROCESS_SYNCHRONIZE, 0, pid) };
    if raw.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: just opened; nothing else owns it.
    let process = unsafe { OwnedHandle::from_raw_handle(raw) };
    std::thread::Builder::new().name("napi-hostd-watchdog".into()).spawn(move || {
        // SAFETY: a process handle we hold.
        unsafe { WaitForSingleObject(std::os::windows::io::AsRawHandle::as_raw_handle(&process), INFINITE) };
        std::thread::sleep(GRACE);
        eprintln!("napi-hostd: the client ended {GRACE:?} ago and the addon did not return; exiting");
        std::process::exit(4);
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sandbox_is_refused_with_the_reason() {
        let (why, status) = parse_args(["--sandbox".to_string()].into_iter()).unwrap_err();
        assert_eq!(status, 5);
        assert!(why.contains("no sandbox on Windows"), "{why}");
    }

    #[test]
    fn handles_must_be_seven_of_this_process() {
        let short = read_handles("1 2 3".as_bytes()).err().unwrap();
        assert!(short.contains("seven handles expected, 3 given"), "{short}");
        let bogus = read_handles("4 8 12 16 20 24 123456780".as_bytes()).err().unwrap();
        assert!(bogus.contains("is not a handle of this process"), "{bogus}");
    }
}
