//! Starting `napi-hostd` over an anonymous socket pair, keeping the tail of its stderr, and
//! describing how it ended.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How much of the host's stderr is kept for crash reports.
const STDERR_TAIL: usize = 16 << 10;

/// The file descriptor number the host finds its socket at.
const HOST_FD: i32 = 3;

/// The last bytes the host wrote to stderr, and whether the stream has ended.
#[derive(Default)]
pub struct StderrTail {
    state: Mutex<(VecDeque<u8>, bool)>,
    ended: Condvar,
}

impl StderrTail {
    fn push(&self, bytes: &[u8]) {
        let mut s = self.state.lock().unwrap();
        s.0.extend(bytes);
        let excess = s.0.len().saturating_sub(STDERR_TAIL);
        s.0.drain(..excess);
    }

    fn end(&self) {
        self.state.lock().unwrap().1 = true;
        self.ended.notify_all();
    }

    /// The tail as text, after waiting up to `wait` for the stream to end (so a crash report
    /// includes what the host wrote as it died).
    pub fn text(&self, wait: Duration) -> String {
        let s = self.state.lock().unwrap();
        let (s, _) = self.ended.wait_timeout_while(s, wait, |s| !s.1).unwrap();
        String::from_utf8_lossy(&s.0.iter().copied().collect::<Vec<u8>>()).into_owned()
    }
}

pub struct HostProcess {
    child: Mutex<Child>,
    pub pid: u32,
    pub stderr: Arc<StderrTail>,
}

/// Starts the host binary at `program` with one end of a fresh socket pair as fd 3; returns the
/// process and the other end.
pub fn spawn(program: &str, env: &[(String, String)]) -> std::io::Result<(HostProcess, UnixStream)> {
    let (ours, theirs) = UnixStream::pair()?;
    let their_fd = theirs.as_raw_fd();
    let mut cmd = Command::new(program);
    cmd.stdin(Stdio::null()).stdout(Stdio::inherit()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    // SAFETY: the closure runs in the child between fork and exec and only calls
    // async-signal-safe functions (dup2, fcntl).
    unsafe {
        cmd.pre_exec(move || {
            if their_fd == HOST_FD {
                // Already in place: just let it survive exec.
                if libc::fcntl(HOST_FD, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(their_fd, HOST_FD) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    drop(theirs);
    let pid = child.id();
    let tail = Arc::new(StderrTail::default());
    let mut stderr = child.stderr.take().expect("piped");
    let sink = tail.clone();
    std::thread::Builder::new().name(format!("napi-hostd-{pid}-stderr")).spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match stderr.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    sink.push(&buf[..n]);
                    // Pass it on, so warnings from the addon are not lost.
                    let _ = std::io::stderr().write_all(&buf[..n]);
                }
            }
        }
        sink.end();
    })?;
    Ok((HostProcess { child: Mutex::new(child), pid, stderr: tail }, ours))
}

impl HostProcess {
    /// Waits up to `wait` for the host to exit; kills it if it has not.
    pub fn reap(&self, wait: Duration) -> ExitStatus {
        let deadline = Instant::now() + wait;
        let mut child = self.child.lock().unwrap();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                return child.wait().unwrap_or_else(|_| ExitStatus::from_raw(libc::SIGKILL));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// How the host ended, in the words a crash report uses.
pub struct Ending {
    pub signal: Option<String>,
    pub exit_code: Option<i32>,
}

pub fn describe(status: ExitStatus) -> Ending {
    Ending { signal: status.signal().map(signal_name), exit_code: status.code() }
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
