//! Starting `napi-hostd` over an anonymous socket pair and a pair of shared-memory rings,
//! in a process group of its own, and ending it: the whole group, and whatever the addon
//! started, goes with it. Or, for `isolated=False`, running the same host on a
//! thread of this process, over the same rings and sockets.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use napi_link::shm::{borrow_descriptor, Rings};
use napi_link::streams::Connection;

use crate::link::forks::PerProcess;
use crate::link::host_output::Output;

// How each platform starts a process without copying this one: glibc's posix_spawn, or a
// Windows job object that ends everything the host started with it.
#[cfg(windows)]
mod job_object;
#[cfg(unix)]
mod posix_spawn;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::describe;
#[cfg(unix)]
use unix::{socket_pair, spawn_here};

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::describe;
#[cfg(windows)]
use windows::spawn_here;

/// What the client keeps of the connection: the rings (requests and replies), the main socket
/// beside them (wake-ups, descriptors and the hang-up), and the event socket (on Windows, a
/// named pipe and two events each: `napi_link::streams`).
pub struct Sockets {
    pub main: Connection,
    pub events: Connection,
    pub rings: Rings,
}

pub use crate::link::host_exit::Exit;

/// Where the host runs.
enum Runner {
    /// `napi-hostd`, our child.
    #[cfg(unix)]
    Child,
    /// `napi-hostd.exe`, in its job.
    #[cfg(windows)]
    Child(job_object::HostJob),
    /// A thread of this process (its number, and its handle until it is joined): the thread
    /// answers the wait status `napi-hostd` would have exited with.
    Thread(u64, Mutex<Option<JoinHandle<i32>>>),
}

pub struct HostProcess {
    /// The host's process: ours for a host thread.
    pub pid: u32,
    /// What the host writes; a host thread writes to our own stdout and stderr, so its output
    /// stays empty (ended).
    pub output: Arc<Output>,
    /// The host's memory and CPU limits (from its arguments), for naming them in crash reports.
    pub memory_limit: Option<u64>,
    pub cpu_limit: Option<u64>,
    exit: Mutex<Option<Exit>>,
    runner: Runner,
}

/// What to start.
#[derive(Clone)]
pub struct Spawn {
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

type Job = (Spawn, mpsc::Sender<std::io::Result<(HostProcess, Sockets)>>);

/// Starts the host on the spawner thread: the parent-death signal fires when the *thread* that
/// started the child exits, so hosts are started by one thread that lives as long as the process
/// (a host spawned from a short-lived Python thread must outlive that thread). A forked child
/// has no such thread (only the forking thread survives a fork): it starts one of its own.
pub fn spawn(what: Spawn) -> std::io::Result<(HostProcess, Sockets)> {
    /// The spawner thread's queue.
    static SPAWNER: PerProcess<mpsc::Sender<Job>> = PerProcess::new();
    let gone = || std::io::Error::other("the spawner thread is gone");
    let tx = SPAWNER.get(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("napi-hostd-spawner".into()).spawn(move || {
            for (what, reply) in rx {
                let _ = reply.send(spawn_here(what));
            }
        })?;
        Ok(tx)
    })?;
    let (reply, answer) = mpsc::channel();
    tx.send((what, reply)).map_err(|_| gone())?;
    answer.recv().map_err(|_| gone())?
}

/// Starts a host on a new thread of this process, with the same rings and sockets a
/// `napi-hostd` gets: `serve(main, events, rings)` runs the host on its ends and answers the
/// wait status the process would have exited with.
pub fn start_thread(serve: impl FnOnce(Connection, Connection, Rings) -> i32 + Send + 'static) -> std::io::Result<(HostProcess, Sockets)> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let number = NEXT.fetch_add(1, Ordering::Relaxed);
    let (ours, theirs) = connection_pair()?;
    let (our_events, their_events) = connection_pair()?;
    let (rings, rings_file) = Rings::create()?;
    let their_rings = Rings::of_peer(borrow_descriptor(&rings_file.fd))?;
    let thread = std::thread::Builder::new().name(format!("napi-host-{number}")).spawn(move || serve(theirs, their_events, their_rings))?;
    let output = Output::none();
    let runner = Runner::Thread(number, Mutex::new(Some(thread)));
    let process = HostProcess { pid: std::process::id(), output, memory_limit: None, cpu_limit: None, exit: Mutex::new(None), runner };
    Ok((process, Sockets { main: ours, events: our_events, rings }))
}

/// Both ends of a new connection in this process.
fn connection_pair() -> std::io::Result<(Connection, Connection)> {
    #[cfg(unix)]
    return socket_pair();
    #[cfg(windows)]
    return Connection::pair();
}

impl HostProcess {
    /// How messages name the host: "napi-hostd (pid 12)", "the in-process host 3".
    pub fn name(&self) -> String {
        match &self.runner {
            Runner::Thread(number, _) => format!("the in-process host {number}"),
            _ => format!("napi-hostd (pid {})", self.pid),
        }
    }

    /// Waits up to `wait` for the host to exit, then kills its group and everything it started,
    /// and reaps it. A host thread cannot be killed: one still running after `wait` is left to
    /// finish on its own (its teardown may wait for the addon's threads), reported as running.
    pub fn reap(&self, wait: Duration) -> Exit {
        let deadline = Instant::now() + wait;
        let mut exit = self.exit.lock().unwrap();
        if let Some(e) = *exit {
            return e;
        }
        let e = match &self.runner {
            Runner::Thread(_, handle) => {
                return match join_by(handle, deadline) {
                    Some(status) => *exit.insert(Exit { status, max_rss_kib: 0 }),
                    None => Exit { status: STILL_RUNNING, max_rss_kib: 0 },
                };
            }
            #[cfg(unix)]
            Runner::Child => self.reap_child(deadline),
            #[cfg(windows)]
            Runner::Child(job) => windows::reap(job, deadline),
        };
        *exit.insert(e)
    }

    /// `reap` of `napi-hostd`, then of its process group.
    #[cfg(unix)]
    fn reap_child(&self, deadline: Instant) -> Exit {
        let mut pause = Duration::from_micros(200);
        let e = loop {
            if let Some(e) = self.wait4(libc::WNOHANG) {
                break e;
            }
            if Instant::now() >= deadline {
                self.kill_all();
                break self.wait4(0).unwrap_or(Exit { status: libc::SIGKILL, max_rss_kib: 0 });
            }
            std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
            pause = (pause * 2).min(Duration::from_millis(5));
        };
        // The host is gone; what it started in its group goes too (a fork bomb, a daemon).
        // The group id cannot be reused while any member lives, so this reaches only ours.
        // SAFETY: kill with integer arguments.
        unsafe { libc::kill(-(self.pid as i32), libc::SIGKILL) };
        e
    }

    /// Kills the host, its process group, and its descendants that left the group (they are
    /// still its children: it is their subreaper while it lives). Stopped first, so none forks
    /// while the tree is walked.
    pub fn kill_all(&self) {
        match &self.runner {
            // Nothing can stop a thread from outside; isolated=False takes no timeout.
            Runner::Thread(..) => {}
            #[cfg(unix)]
            Runner::Child => self.kill_group(),
            #[cfg(windows)]
            Runner::Child(job) => job.kill(),
        }
    }

    #[cfg(unix)]
    fn kill_group(&self) {
        let group = -(self.pid as i32);
        // SAFETY: kill with integer arguments; the pid is our unreaped child, so it is ours.
        unsafe { libc::kill(group, libc::SIGSTOP) };
        let strays = napi_link::process_tree::descendants(self.pid);
        for &p in &strays {
            // SAFETY: as above; these are descendants of our unreaped child.
            unsafe { libc::kill(p as i32, libc::SIGKILL) };
        }
        // SAFETY: as above.
        unsafe { libc::kill(group, libc::SIGKILL) };
    }

    #[cfg(unix)]
    fn wait4(&self, flags: i32) -> Option<Exit> {
        let mut status = 0;
        // SAFETY: rusage is plain data, written by wait4.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: valid out-pointers; the pid is our child.
            let r = unsafe { libc::wait4(self.pid as i32, &mut status, flags, &mut usage) };
            if r == self.pid as i32 {
                return Some(Exit { status, max_rss_kib: usage.ru_maxrss });
            }
            if r == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return None;
        }
    }
}

/// The wait status reported for a host thread still running: neither exited nor signalled.
const STILL_RUNNING: i32 = 0xffff;

/// Joins the host thread in `handle` if it ends before `deadline`: its wait status.
fn join_by(handle: &Mutex<Option<JoinHandle<i32>>>, deadline: Instant) -> Option<i32> {
    let mut handle = handle.lock().unwrap();
    if handle.as_ref()?.thread().id() == std::thread::current().id() {
        // A Python call the host thread makes closes its host: it ends once this returns.
        return None;
    }
    let mut pause = Duration::from_micros(100);
    while !handle.as_ref()?.is_finished() {
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
        pause = (pause * 2).min(Duration::from_millis(5));
    }
    // A panic that ended the thread counts as Rust's panic exit status.
    Some(handle.take()?.join().unwrap_or(101 << 8))
}

/// How the host ended, in the words a crash report uses.
pub struct Ending {
    pub signal: Option<String>,
    pub exit_code: Option<i32>,
}
