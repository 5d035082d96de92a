//! Starting `napi-hostd.exe` and ending it on Windows, the twin of `posix_spawn.rs` and of the
//! process group's kill in `host_process/mod.rs` (D89).
//!
//! The host runs in a job object of its own that kills every process in it when its last handle
//! closes (`JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`): the client holds the only handle, so the host
//! and whatever the addon started die with the client, however it ends, and a timeout or a close
//! ends them all with `TerminateJobObject`, as Linux kills the host's process group and its
//! descendants. The host learns its handles on its standard input (`server/hostd/src/
//! start/windows.rs`): the client duplicates its ends of the pipes, the wake-up events and the
//! rings' section into the host (D34: only the client holds a handle to the other process) once
//! the host is in the job, before it can run any addon code.

use std::io::Write;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle, RawHandle};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use windows_sys::Win32::Foundation::{DuplicateHandle, DUPLICATE_SAME_ACCESS, HANDLE, WAIT_OBJECT_0};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation, QueryInformationJobObject, SetInformationJobObject,
    TerminateJobObject, JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION,
    JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, GetExitCodeProcess, WaitForSingleObject};

use crate::link::host_exit::Exit;

/// The exit code `TerminateJobObject` gives a host the client killed (a customer code, which no
/// exception of the system has).
pub const KILLED: u32 = 0xE000_0001;

/// The exit code of the C runtime's `abort()` on Windows.
pub const ABORT_EXIT_CODE: u32 = 3;

/// A host process in its job.
pub struct HostJob {
    job: OwnedHandle,
    process: OwnedHandle,
}

/// A started host, not yet told its handles.
pub struct Started {
    pub job: HostJob,
    pub pid: u32,
    pub child: Child,
}

/// Starts `program` with `args` and `env`, its standard streams piped, inside a new job.
pub fn spawn(program: &str, args: &[String], env: &[(String, String)]) -> std::io::Result<Started> {
    let job = new_job()?;
    let mut command = Command::new(program);
    command.args(args).envs(env.iter().map(|(k, v)| (k, v))).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = command.spawn()?;
    let process = duplicate_into(child.as_raw_handle(), own_process())?;
    let host = HostJob { job, process };
    // SAFETY: a job and a process we hold. The host waits on its standard input before
    // anything else, so nothing it starts can escape the job.
    if unsafe { AssignProcessToJobObject(host.job.as_raw_handle(), host.process.as_raw_handle()) } == 0 {
        let e = std::io::Error::last_os_error();
        host.kill();
        return Err(e);
    }
    Ok(Started { pid: child.id(), job: host, child })
}

/// Tells the started host its handles: each of `ours` duplicated into it, the values written on
/// its standard input as one line, which it then closes.
pub fn hand_over(started: &mut Started, ours: &[RawHandle]) -> std::io::Result<()> {
    let mut line = String::new();
    for &handle in ours {
        let theirs = duplicate_to(handle, started.job.process.as_raw_handle())?;
        line.push_str(&format!("{} ", theirs as usize));
    }
    line.push('\n');
    let mut stdin = started.child.stdin.take().ok_or_else(|| std::io::Error::other("the host's standard input is gone"))?;
    stdin.write_all(line.as_bytes())
}

impl HostJob {
    /// A handle to the host's process that may duplicate handles into and out of it
    /// (`HandleCarrier::Holder`).
    pub fn process_handle(&self) -> std::io::Result<OwnedHandle> {
        duplicate_into(self.process.as_raw_handle(), own_process())
    }

    /// Ends the host and everything in its job.
    pub fn kill(&self) {
        // SAFETY: a job we hold.
        unsafe { TerminateJobObject(self.job.as_raw_handle(), KILLED) };
    }

    /// The host's exit, if it ended by `deadline` (waiting until then).
    pub fn wait(&self, deadline: Instant) -> Option<Exit> {
        let ms = deadline.saturating_duration_since(Instant::now()).as_millis().min(u128::from(u32::MAX - 1)) as u32;
        // SAFETY: a process handle we hold.
        if unsafe { WaitForSingleObject(self.process.as_raw_handle(), ms) } != WAIT_OBJECT_0 {
            return None;
        }
        let mut code = 0u32;
        // SAFETY: as above; a valid out-pointer.
        unsafe { GetExitCodeProcess(self.process.as_raw_handle(), &mut code) };
        Some(Exit { status: code as i32, max_rss_kib: (self.peak_memory() >> 10) as i64 })
    }

    /// The most memory any process of the job committed at once, in bytes.
    fn peak_memory(&self) -> u64 {
        // SAFETY: plain data; zero is a valid value.
        let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of_val(&info) as u32;
        // SAFETY: a job we hold and a buffer of `size` bytes.
        let ok = unsafe {
            QueryInformationJobObject(
                self.job.as_raw_handle(),
                JobObjectExtendedLimitInformation,
                (&raw mut info).cast(),
                size,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            0
        } else {
            info.PeakProcessMemoryUsed as u64
        }
    }
}

/// A job that kills what it holds when its last handle closes, and lets a process that meets an
/// unhandled exception die at once (no error-reporting dialog waiting for a click).
fn new_job() -> std::io::Result<OwnedHandle> {
    // SAFETY: no name, no security attributes.
    let raw = unsafe { CreateJobObjectW(std::ptr::null(), std::ptr::null()) };
    if raw.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: just made; nothing else owns it.
    let job = unsafe { OwnedHandle::from_raw_handle(raw) };
    // SAFETY: plain data; zero is a valid value.
    let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = unsafe { std::mem::zeroed() };
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
    let size = std::mem::size_of_val(&limits) as u32;
    // SAFETY: a job we hold and a structure of `size` bytes.
    if unsafe { SetInformationJobObject(job.as_raw_handle(), JobObjectExtendedLimitInformation, (&raw const limits).cast(), size) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(job)
}

fn own_process() -> HANDLE {
    // SAFETY: the pseudo-handle of this process; no preconditions.
    unsafe { GetCurrentProcess() }
}

/// `handle` of this process, duplicated into process `to`: its value there.
fn duplicate_to(handle: RawHandle, to: RawHandle) -> std::io::Result<HANDLE> {
    let mut out: HANDLE = std::ptr::null_mut();
    // SAFETY: handles we hold and a valid out-pointer; the system checks each.
    if unsafe { DuplicateHandle(own_process(), handle, to, &mut out, 0, 0, DUPLICATE_SAME_ACCESS) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(out)
}

/// `handle` of this process, duplicated into this process: a handle of our own.
fn duplicate_into(handle: RawHandle, this: HANDLE) -> std::io::Result<OwnedHandle> {
    let out = duplicate_to(handle, this)?;
    // SAFETY: just made; nothing else owns it.
    Ok(unsafe { OwnedHandle::from_raw_handle(out) })
}

/// How a Windows host ended, in a crash report's words: an exception (an NTSTATUS in the exit
/// code) is named, as a signal is on Linux; anything else is an exit code.
pub fn exception_name(code: u32) -> Option<String> {
    let name = match code {
        0xC000_0005 => "an access violation",
        0xC000_00FD => "a stack overflow",
        0xC000_0409 => "a fail-fast exception (abort)",
        0xC000_001D => "an illegal instruction",
        0xC000_0094 => "an integer division by zero",
        0x8000_0003 => "a breakpoint",
        0xC000_0374 => "a heap corruption",
        KILLED => return Some("the client (its job was terminated)".into()),
        // The C runtime's abort() ends the process with 3 (a UCRT built for fail-fast raises
        // 0xC0000409 instead); napi-hostd.exe's own errors use other codes.
        ABORT_EXIT_CODE => return Some("abort() (exit code 3)".into()),
        c if c >= 0xC000_0000 => return Some(format!("exception 0x{c:08X}")),
        _ => return None,
    };
    Some(format!("{name} (0x{code:08X})"))
}
