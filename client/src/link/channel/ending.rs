//! How a host ends, as the channel tells it: closed by the client, crashed, timed out, stopped
//! for breaking the protocol, or left behind in the parent by a fork. Every waiter gets the same
//! `Dead`, the first reason standing, and what the host's connection held is let go.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use napi_protocol::frame::FrameError;

use super::dead::{Dead, DeathKind};
use super::{Channel, State, NO_CALLS};
use crate::link::host_process::{describe, Exit};
use crate::link::inbound::Violation;

/// How long a host the client hung up on may take to run its cleanup before it is killed.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

impl Channel {
    /// Records why the host is gone, under the state lock, and wakes every waiter: the sleepers,
    /// and the threads reading the sockets, which are cut (an in-process host's thread, which no
    /// kill ends, is told to stop with it). The first reason stands. The descriptors and
    /// mappings the host sent are let go with it (its buffers keep theirs).
    pub(super) fn record_death(&self, st: &mut State, dead: Arc<Dead>) -> Arc<Dead> {
        let d = st.dead.get_or_insert(dead).clone();
        st.sleepers.ring_all();
        self.filed.fetch_add(1, Ordering::SeqCst);
        if !self.died.swap(true, Ordering::AcqRel) {
            self.end.release();
            self.shm.release();
            // After `dead` and `died`: a thread woken by the cut finds why.
            self.end.cut();
            if let Some(host) = &self.in_process {
                host.mail();
            }
        }
        // After `died`: a call refused now finds why (`refusal`).
        self.calls_in.store(NO_CALLS, Ordering::Release);
        // After `died`: a thread waiting for the host to be free looks at it as it wakes.
        self.busy.wake_all();
        d
    }

    /// What a call made once the host has started to end is told (`refusing`): why it died, or
    /// the reason its end was begun for (closed, an exception nothing caught) while it ends.
    #[cold]
    pub fn refusal(&self) -> Arc<Dead> {
        // Pairs with the release that stored `NO_CALLS`, which `refusing` loads relaxed: what was
        // recorded before it is seen here.
        std::sync::atomic::fence(Ordering::Acquire);
        if let Some(dead) = self.dead() {
            return dead;
        }
        let (kind, message) = self.closing_as.lock().unwrap().clone().unwrap_or_else(closed_on_purpose);
        Arc::new(Dead { kind, pid: self.process.pid, message, signal: None, exit_code: None, stderr: String::new(), limit: None })
    }

    /// What a forked child's channel answers: the host belongs to the parent.
    pub(super) fn forked_death(&self) -> Arc<Dead> {
        let message = if self.in_process.is_some() {
            format!(
                "{} runs in-process in the process this one was forked from, on a thread that does not exist here: load the \
                 addon again in this process (an isolated addon loads itself again in a host of the child's own)",
                self.process.name()
            )
        } else {
            format!(
                "{} belongs to the process this one was forked from: its objects are not this process's (the addon itself \
                 loads again in a host of this process's own on its next use)",
                self.process.name()
            )
        };
        Arc::new(Dead {
            kind: DeathKind::Forked,
            pid: self.process.pid,
            message,
            signal: None,
            exit_code: None,
            stderr: String::new(),
            limit: None,
        })
    }

    /// A call outlived the timeout: the host (with its whole group) is killed, and every waiter
    /// gets the timeout, not the crash the kill causes.
    pub(super) fn expire(&self) -> Arc<Dead> {
        let t = self.timeout.unwrap_or_default();
        let pid = self.process.pid;
        let message =
            format!("{} did not answer within {:.3} s; it was killed with its process group", self.process.name(), t.as_secs_f64());
        let dead = self.mark_dead(Arc::new(Dead {
            kind: DeathKind::Timeout,
            pid,
            message,
            signal: None,
            exit_code: None,
            stderr: String::new(),
            limit: None,
        }));
        self.process.kill_all();
        self.process.reap(Duration::ZERO);
        dead
    }

    /// Records why the host stopped answering, from how the stream ended. A read that timed out
    /// did so at `deadline` (the call's), or because the host paused inside a frame.
    pub(super) fn death(&self, e: FrameError, deadline: Option<Instant>) -> Arc<Dead> {
        // The stream ended because the host is gone already (its sockets cut): that end stands,
        // and is not waited for again.
        if let Some(dead) = self.dead() {
            return dead;
        }
        let stopping = self.stopping.lock().unwrap().clone();
        if let Some(why) = stopping {
            self.die(why)
        } else if matches!(&e, FrameError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut) {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                self.expire()
            } else {
                self.invalid(e)
            }
        } else if broken_by_host(&e) {
            self.invalid(e)
        } else if self.closing.load(Ordering::SeqCst) {
            let (kind, message) = self.closing_as.lock().unwrap().clone().unwrap_or_else(closed_on_purpose);
            self.mark_dead(Arc::new(self.ended(CLOSE_GRACE, kind, message)))
        } else {
            self.crashed("napi-hostd stopped answering")
        }
    }

    /// The host sent what no frame decoder accepts: it is stopped.
    pub(super) fn invalid(&self, e: FrameError) -> Arc<Dead> {
        self.violation(Violation(format!("an invalid message ({e})")))
    }

    /// The host sent what the protocol does not allow: it is stopped.
    pub fn violation(&self, v: Violation) -> Arc<Dead> {
        self.die(format!("{} broke the protocol: {v}; it was stopped", self.process.name()))
    }

    fn crashed(&self, what: &str) -> Arc<Dead> {
        let exit = self.process.reap(Duration::from_millis(500));
        let ending = describe(exit);
        let stderr = self.process.output.stderr_tail(Duration::from_millis(200));
        let how = match (&ending.signal, ending.exit_code) {
            (Some(sig), _) => format!("was killed by {sig}"),
            (None, Some(code)) => format!("exited with status {code}"),
            (None, None) => "ended".to_string(),
        };
        let mut message = format!("{what}: {} {how}", self.process.name());
        let limit = self.limit_hit(exit, ending.signal.as_deref());
        if let Some(note) = self.limit_note(exit) {
            message.push_str(&note);
        }
        if let Some(last) = last_message(&stderr) {
            message.push_str(&format!("; last stderr line: {last}"));
        }
        let dead = Arc::new(Dead {
            kind: DeathKind::Crashed,
            pid: self.process.pid,
            message,
            signal: ending.signal,
            exit_code: ending.exit_code,
            stderr,
            limit,
        });
        self.mark_dead(dead)
    }

    /// The limit the host most likely died of: CPU when the kernel's CPU-limit signal (or the
    /// kill that follows it) ended it; memory when it had used most of its memory limit.
    fn limit_hit(&self, exit: Exit, signal: Option<&str>) -> Option<&'static str> {
        let p = &self.process;
        if p.cpu_limit.is_some() && matches!(signal, Some("SIGXCPU" | "SIGKILL")) {
            return Some("cpu");
        }
        let peak = exit.max_rss_kib.max(0) as u64 * 1024;
        p.memory_limit.filter(|&m| peak >= m / 2).map(|_| "memory")
    }

    /// Names the host's limits in a crash report: an addon that meets one typically crashes
    /// (a NULL from malloc dereferenced, an abort) rather than saying so.
    fn limit_note(&self, exit: Exit) -> Option<String> {
        let p = &self.process;
        let mut limits = Vec::new();
        if let Some(m) = p.memory_limit {
            limits.push(format!("a memory limit of {} MiB (RLIMIT_AS; peak resident {} MiB)", m >> 20, exit.max_rss_kib.max(0) >> 10));
        }
        if let Some(c) = p.cpu_limit {
            limits.push(format!("a CPU limit of {c} s (RLIMIT_CPU)"));
        }
        (!limits.is_empty()).then(|| format!(" under {}", limits.join(" and ")))
    }

    /// Stops the host for a reason of the client's.
    pub(super) fn die(&self, message: String) -> Arc<Dead> {
        // Said before the kill: a thread that then reads the host's end (another caller, the
        // event dispatcher) must report this, not a crash. The first reason stands.
        let message = self.stopping.lock().unwrap().get_or_insert(message).clone();
        let exit = self.process.reap(Duration::ZERO);
        let ending = describe(exit);
        let stderr = self.process.output.stderr_tail(Duration::from_millis(100));
        let pid = self.process.pid;
        self.mark_dead(Arc::new(Dead {
            kind: DeathKind::Crashed,
            pid,
            message,
            signal: ending.signal,
            exit_code: ending.exit_code,
            stderr,
            limit: None,
        }))
    }

    fn mark_dead(&self, dead: Arc<Dead>) -> Arc<Dead> {
        let mut st = self.state.lock().unwrap();
        self.record_death(&mut st, dead)
    }

    /// Ends the host: closing our end lets it run its cleanup hooks and exit; it is killed if it
    /// takes longer than `grace`. (In a forked child, nothing: the host is the parent's.) A host
    /// already dead is waited for all the same, up to `grace`: an in-process host closed by a
    /// call its own thread made tears down only once that call returns, and a close from another
    /// thread returns after its teardown, as the first close would have from there.
    pub fn close(&self, grace: Duration) {
        let (kind, message) = closed_on_purpose();
        self.end_with(grace, kind, message);
    }

    /// Ends the host as `close` does, for an exception nothing caught (node ends its process
    /// for one): waiters are told `message`, as `DeathKind::Uncaught`.
    pub fn end_for_uncaught(&self, grace: Duration, message: String) {
        self.end_with(grace, DeathKind::Uncaught, message);
    }

    fn end_with(&self, grace: Duration, kind: DeathKind, message: String) {
        if self.dead().is_some() {
            // Reaped already, unless it is a host thread still tearing down.
            self.process.reap(grace);
            return;
        }
        // A close racing an uncaught exception's end (or the other way round) reports the end
        // that came first, as the reader thread's end of the socket does.
        let (kind, message) = self.hang_up_socket(kind, message);
        let dead = self.ended(grace, kind, message);
        self.mark_dead(Arc::new(dead));
    }

    /// Hangs up the host's link; returns the reason that stands for this end: the first given.
    fn hang_up_socket(&self, kind: DeathKind, message: String) -> (DeathKind, String) {
        let standing = self.closing_as.lock().unwrap().get_or_insert((kind, message)).clone();
        self.closing.store(true, Ordering::SeqCst);
        // From now on nothing of the program's runs on the host: a call made now (a direct one
        // would find the JS lock free) is refused with the reason that stands (`refusal`), as
        // node runs nothing after an exception nothing caught.
        self.calls_in.store(NO_CALLS, Ordering::Release);
        self.end.hang_up();
        if let Some(host) = &self.in_process {
            host.mail();
        }
        standing
    }

    /// How a host the client ended ended (waiting up to `grace` for it, then killing it).
    fn ended(&self, grace: Duration, kind: DeathKind, message: String) -> Dead {
        let ending = describe(self.process.reap(grace));
        Dead {
            kind,
            pid: self.process.pid,
            message,
            signal: ending.signal,
            exit_code: ending.exit_code,
            stderr: self.process.output.stderr_tail(Duration::from_millis(50)),
            limit: None,
        }
    }

    /// Lets go of a host nobody can reach any more (its connection was dropped without
    /// `close()`): hang up so it tears down and exits, and reap it in the background.
    pub fn hang_up(self: &Arc<Self>) {
        if self.dead().is_some() {
            return;
        }
        let (kind, message) = closed_on_purpose();
        self.hang_up_socket(kind, message);
        let channel = self.clone();
        let _ = std::thread::Builder::new().name("napi-hostd-reaper".into()).spawn(move || channel.close(CLOSE_GRACE));
    }
}

/// How a host the client closed on purpose ended, to its waiters.
fn closed_on_purpose() -> (DeathKind, String) {
    (DeathKind::Closed, "the addon was closed".into())
}

/// Whether the stream failed by the host's doing (a bad frame, a ring index it broke, an
/// unexpected descriptor) rather than by its end.
fn broken_by_host(e: &FrameError) -> bool {
    match e {
        FrameError::Closed | FrameError::Truncated => false,
        FrameError::Io(io) => io.kind() == std::io::ErrorKind::InvalidData,
        FrameError::TooLarge { .. } | FrameError::Malformed(_) => true,
    }
}

/// The last line of stderr that says something: an addon that asserts prints its message and
/// then a backtrace (aws-crt: `Stack trace:`, a rule of `#`, `file(symbol+0x4c) [0x7f...]`
/// lines), whose addresses say nothing to the reader, and aws-c-common's fixed notices between
/// the two (`Exiting Application`, its signal handler's `Signal received: 6, errno: 0`). Under
/// qemu-user (a host of another CPU run by binfmt_misc) the emulator adds its own line when the
/// program dies of a signal (`qemu: uncaught target signal 6 (Aborted) - core dumped`), which
/// names the signal the report already gives.
fn last_message(stderr: &str) -> Option<&str> {
    let lines: Vec<&str> = stderr.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).collect();
    lines.iter().rev().find(|l| !is_backtrace_line(l)).or(lines.last()).copied()
}

fn is_backtrace_line(line: &str) -> bool {
    let t = line.trim();
    let frame = t.ends_with(']') && t.rfind("[0x").is_some_and(|i| t[i + 3..t.len() - 1].chars().all(|c| c.is_ascii_hexdigit()));
    let rule = t.len() >= 8 && t.chars().all(|c| matches!(c, '#' | '=' | '-' | '*'));
    let numbered = t.starts_with('#') && t[1..].trim_start().starts_with(|c: char| c.is_ascii_digit()) && t.contains("0x");
    let header = matches!(t.trim_end_matches(':').to_ascii_lowercase().as_str(), "stack trace" | "backtrace");
    let notice = t == "Exiting Application" || t.starts_with("Signal received: ") || t.starts_with("qemu: uncaught target signal ");
    frame || rule || numbered || header || notice
}

#[cfg(test)]
mod last_message_tests {
    use super::last_message;

    #[test]
    fn an_asserts_message_is_found_above_its_backtrace() {
        let stderr = "N-API call failed: napi_create_threadsafe_function(env, node_rawdebug)\nExiting Application\n\
            Signal received: 1470833200, errno: 32718\n\
            ################################################################################\nStack trace:\n\
            ################################################################################\n\
            /m/aws-crt-nodejs.node(aws_backtrace_print+0x4d) [0x7f4f5c2a1e8d]\n/lib/libc.so.6(+0x45250) [0x7f4f5f845250]\n";
        assert_eq!(last_message(stderr), Some("N-API call failed: napi_create_threadsafe_function(env, node_rawdebug)"));
        let emulated = format!("{stderr}qemu: uncaught target signal 6 (Aborted) - core dumped\n");
        assert_eq!(last_message(&emulated), Some("N-API call failed: napi_create_threadsafe_function(env, node_rawdebug)"));
    }

    #[test]
    fn a_plain_last_line_stands() {
        assert_eq!(last_message("one\ntwo\n\n"), Some("two"));
        assert_eq!(last_message("[0x7f00]\n"), Some("[0x7f00]"));
        assert_eq!(last_message(""), None);
    }
}
