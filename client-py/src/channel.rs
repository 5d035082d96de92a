//! The client's end of the link to one host, shared by every Python thread using it.
//!
//! There is no reader thread: a thread waiting for its answer reads the link itself when no
//! other thread is reading (leader/follower), and files messages for other chains in their
//! mailboxes. A single-threaded caller therefore writes a request and reads its reply with no
//! hand-off between threads, as cheap as the rings' round trip (D34).
//!
//! An in-process host's requests mostly run on their callers' threads (`crate::direct`); its
//! channel carries what goes to its host thread, and the news of both sides go straight to the
//! other's tables (`napi_host::inprocess`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use napi_protocol::frame::FrameError;
use napi_protocol::{
    CallId, ChainId, ClientMessage, Outcome, PyException, PyRef, RequestId, ServerMessage, Value, EVENT_CHAIN, PROTOCOL_VERSION,
};

use napi_host::inprocess::InProcess;

use crate::pending::Pending;
use crate::process::{describe, Exit, HostProcess};
use crate::rings::RingsLink;
use crate::shm::ClientShm;

/// How long a host the client hung up on may take to run its cleanup before it is killed.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// A message for a waiting chain.
pub enum Incoming {
    Reply {
        id: RequestId,
        outcome: Outcome,
    },
    Call {
        call: CallId,
        func: PyRef,
        this: Value,
        args: Vec<Value>,
    },
    /// On the event chain: a subscribed promise settled.
    Settled {
        subscription: u64,
        outcome: Outcome,
    },
    /// On the event chain: an exception nothing in the host caught.
    Uncaught(Box<napi_protocol::Thrown>),
}

/// How the host came to stop answering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeathKind {
    /// The client closed it on purpose.
    Closed,
    /// It died, or broke the protocol and was stopped.
    Crashed,
    /// A call outlived its timeout; the host's group was killed.
    Timeout,
}

/// Why the host can no longer answer.
#[derive(Clone, Debug)]
pub struct Dead {
    pub kind: DeathKind,
    pub pid: u32,
    pub message: String,
    pub signal: Option<String>,
    pub exit_code: Option<i32>,
    pub stderr: String,
    /// The resource limit the host most likely died of ("memory", "cpu").
    pub limit: Option<&'static str>,
}

impl Dead {
    /// The arguments of the package's `_dead` hook, which builds the Python exception.
    #[allow(clippy::type_complexity, reason = "a plain argument tuple for a Python call")]
    pub fn hook_args(&self) -> (&'static str, u32, String, Option<String>, Option<i32>, String, Option<&'static str>) {
        let kind = match self.kind {
            DeathKind::Closed => "closed",
            DeathKind::Crashed => "crashed",
            DeathKind::Timeout => "timeout",
        };
        (kind, self.pid, self.message.clone(), self.signal.clone(), self.exit_code, self.stderr.clone(), self.limit)
    }
}

#[derive(Default)]
struct State {
    /// Fx-hashed: a request opens and closes its chain's mailbox, and every message is filed.
    mailboxes: rustc_hash::FxHashMap<ChainId, VecDeque<Incoming>>,
    dead: Option<Arc<Dead>>,
    /// Threads blocked on `wake`: with none, waking costs no system call.
    sleepers: usize,
}

pub struct Channel {
    wire: RingsLink,
    /// An in-process host's share with this client (its JS lock, its news queue).
    in_process: Option<Arc<InProcess>>,
    state: Mutex<State>,
    wake: Condvar,
    /// Whether a thread reads the rings (leader/follower). Set and cleared under `state`'s lock.
    reading: AtomicBool,
    /// Whether `state.dead` is set (it never goes back): every send and most requests ask, and
    /// a live host is asked about with one load, not a lock.
    died: AtomicBool,
    /// Shared memory with this host.
    pub shm: Arc<ClientShm>,
    pub process: HostProcess,
    /// How long a call may wait for the host's next message before the host is killed.
    timeout: Option<Duration>,
    /// The protections the host reported in its greeting.
    pub protections: Vec<String>,
    next_id: AtomicU64,
    /// The block of ids `next_id` hands out, touched only under the GIL.
    ids: IdBlock,
    /// Host objects whose last proxy died; sent with the next request.
    releases: Pending<napi_protocol::ObjectId>,
    /// Drop notices from the host (Python objects it let go, with its receive counts), handled
    /// by the next thread that holds the GIL after a request.
    drops: Arc<Pending<(PyRef, u64)>>,
    /// Python objects the client forgot; acknowledged with the next request.
    forgotten: Pending<PyRef>,
    /// Set when the client ends the host on purpose: its end of the socket then means "closed",
    /// to whichever thread reads it first (the event dispatcher may, see `wait_dead`).
    closing: AtomicBool,
    /// Why the client is stopping the host, once it is: the end of the host's streams that the
    /// kill causes then means that, to whichever thread reads it first.
    stopping: Mutex<Option<String>>,
}

impl Channel {
    /// Wraps a freshly started host and checks its greeting. An in-process host comes with its
    /// share (`in_process`) and the tables its news go to (`shm`, `drops`).
    pub fn open(
        process: HostProcess,
        wire: RingsLink,
        in_process: Option<Arc<InProcess>>,
        shm: Arc<ClientShm>,
        drops: Arc<Pending<(PyRef, u64)>>,
        timeout: Option<Duration>,
    ) -> Result<Arc<Channel>, Dead> {
        let mut channel = Channel {
            wire,
            in_process,
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            reading: AtomicBool::new(false),
            died: AtomicBool::new(false),
            shm,
            process,
            timeout,
            protections: Vec::new(),
            next_id: AtomicU64::new(1),
            ids: IdBlock::default(),
            releases: Pending::default(),
            drops,
            forgotten: Pending::default(),
            closing: AtomicBool::new(false),
            stopping: Mutex::new(None),
        };
        let hello = channel.wire.read(None).and_then(|m| m.ok_or(FrameError::Closed));
        match hello {
            Ok(ServerMessage::Hello { version, protections, .. }) if version == PROTOCOL_VERSION => {
                channel.protections = protections;
                // The event chain's mailbox lives as long as the channel.
                channel.state.get_mut().unwrap().mailboxes.insert(EVENT_CHAIN, VecDeque::new());
                Ok(Arc::new(channel))
            }
            Ok(ServerMessage::Hello { version, .. }) => {
                let d = channel.die(format!("napi-hostd speaks protocol version {version}, this client speaks {PROTOCOL_VERSION}: reinstall napi_python so both match"));
                Err((*d).clone())
            }
            Ok(_) => Err((*channel.die("napi-hostd did not greet the client".into())).clone()),
            Err(e) => Err((*channel.death(e)).clone()),
        }
    }

    /// A fresh request id. Only a caller holding the GIL makes one, which keeps every other such
    /// caller out: ids come from a block reserved with one locked add per 64, not one per id (a
    /// locked add was a tenth of an in-process call's time, D49). The module does not declare
    /// itself free of the GIL (`gil_used`), so even a free-threaded CPython re-enables it.
    pub fn next_id(&self, _gil: pyo3::Python<'_>) -> RequestId {
        self.ids.next(|n| self.next_id.fetch_add(n, Ordering::Relaxed))
    }

    pub fn queue_release(&self, id: napi_protocol::ObjectId) {
        self.releases.push(id);
    }

    #[inline]
    pub fn take_releases(&self) -> Vec<napi_protocol::ObjectId> {
        self.releases.take()
    }

    #[inline]
    pub fn has_drops(&self) -> bool {
        !self.drops.is_empty()
    }

    #[inline]
    pub fn take_drops(&self) -> Vec<(PyRef, u64)> {
        self.drops.take()
    }

    pub fn forget(&self, ids: Vec<PyRef>) {
        self.forgotten.extend(ids);
    }

    #[inline]
    pub fn take_forgotten(&self) -> Vec<PyRef> {
        self.forgotten.take()
    }

    pub fn dead(&self) -> Option<Arc<Dead>> {
        if !self.died.load(Ordering::Acquire) {
            return None;
        }
        self.state.lock().unwrap().dead.clone()
    }

    /// Whether the host is gone or being closed: it waits for nothing from this client any more.
    pub fn gone(&self) -> bool {
        self.died.load(Ordering::Acquire) || self.closing.load(Ordering::SeqCst)
    }

    /// Records why the host is gone, under the state lock; the first reason stands.
    fn record_death(&self, st: &mut State, dead: Arc<Dead>) -> Arc<Dead> {
        let d = st.dead.get_or_insert(dead).clone();
        self.died.store(true, Ordering::Release);
        d
    }

    /// Opens `chain`'s mailbox, unless the host is dead (one look under the lock for both).
    pub fn open_chain(&self, chain: ChainId) -> Result<(), Arc<Dead>> {
        let mut st = self.state.lock().unwrap();
        if let Some(d) = &st.dead {
            return Err(d.clone());
        }
        st.mailboxes.entry(chain).or_default();
        Ok(())
    }

    /// How many chains have a mailbox (the event chain's among them).
    pub fn open_chains(&self) -> usize {
        self.state.lock().unwrap().mailboxes.len()
    }

    pub fn close_chain(&self, chain: ChainId) {
        self.state.lock().unwrap().mailboxes.remove(&chain);
    }

    pub fn send(&self, msg: ClientMessage) -> Result<(), Arc<Dead>> {
        if let Some(d) = self.dead() {
            return Err(d);
        }
        // Taken before the transport's lock: uploads lock the shared memory, then the transport.
        let sent = self.wire.send(self.retired(), msg);
        if let Some(host) = &self.in_process {
            host.mail();
        }
        match sent {
            Ok(()) => Ok(()),
            // The host broke the index of the ring it reads.
            Err(FrameError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => Err(self.invalid(FrameError::Io(e))),
            // A broken pipe means the host died: the reader will find out how.
            Err(FrameError::Io(_)) => Ok(()),
            Err(e) => Err(self.die(format!("cannot encode a request: {e}"))),
        }
    }

    /// The notices of the segments we retired since the last message: to be sent ahead of it,
    /// or told an in-process host at once.
    fn retired(&self) -> Vec<ClientMessage> {
        let retired = self.shm.take_retired();
        if let Some(host) = &self.in_process {
            retired.into_iter().for_each(|id| host.client_segment_retired(id));
            return Vec::new();
        }
        retired.into_iter().map(|id| ClientMessage::SegmentRetired { id }).collect()
    }

    /// The in-process host's share, for requests served on their callers' threads.
    pub fn in_process(&self) -> Option<&Arc<InProcess>> {
        self.in_process.as_ref()
    }

    /// Tells an in-process host of the segments this client retired (their notices go ahead of
    /// a request served directly, as they would go ahead of one sent).
    pub fn tell_retired(&self) {
        if self.shm.has_retired() {
            let _ = self.retired();
        }
    }

    /// Sends a segment of ours to the host, its descriptor with the announcement (an in-process
    /// host takes it from its queue before anything else it reads or serves).
    pub fn announce_segment(&self, id: u32, size: u64, fd: std::os::fd::BorrowedFd<'_>) -> std::io::Result<()> {
        match &self.in_process {
            Some(host) => {
                host.client_segment(id, size, fd.try_clone_to_owned()?);
                Ok(())
            }
            None => self.wire.announce_segment(id, size, fd),
        }
    }

    /// Takes in a shared-memory message (answering `None`), or hands the message back.
    /// `events`: whether it came on the event stream (whose descriptors are its own).
    fn take_in(&self, m: ServerMessage, events: bool) -> Result<Option<ServerMessage>, FrameError> {
        match m {
            ServerMessage::Segment { id, size } => {
                let fd = self
                    .wire
                    .take_fd(events)
                    .ok_or_else(|| FrameError::Malformed(format!("segment {id} announced without its descriptor")))?;
                self.shm.host_segment(id, size, fd).map_err(FrameError::Malformed)?;
                Ok(None)
            }
            ServerMessage::SegmentRetired { id } => {
                self.shm.host_retired(id);
                Ok(None)
            }
            ServerMessage::Returned { blocks } => {
                self.shm.returned(blocks);
                Ok(None)
            }
            other => Ok(Some(other)),
        }
    }

    /// The next message for `chain`, reading the rings when no other thread is.
    /// With a timeout set, waiting longer than it for the host kills the host (issue 6).
    pub fn wait(&self, chain: ChainId) -> Result<Incoming, Arc<Dead>> {
        let deadline = self.timeout.map(|t| Instant::now() + t);
        let mut st = self.state.lock().unwrap();
        loop {
            if let Some(m) = st.mailboxes.get_mut(&chain).and_then(VecDeque::pop_front) {
                return Ok(m);
            }
            if let Some(d) = &st.dead {
                return Err(d.clone());
            }
            if self.reading.load(Ordering::SeqCst) {
                st.sleepers += 1;
                st = match deadline {
                    None => self.wake.wait(st).unwrap(),
                    Some(d) => self.wake.wait_timeout(st, d.saturating_duration_since(Instant::now())).unwrap().0,
                };
                st.sleepers -= 1;
                if deadline.is_some_and(|d| Instant::now() >= d) && st.dead.is_none() {
                    drop(st);
                    self.expire();
                    st = self.state.lock().unwrap();
                }
                continue;
            }
            self.reading.store(true, Ordering::SeqCst);
            drop(st);
            let routed = match self.wire.read(deadline).and_then(|m| m.map(|m| self.take_in(m, false)).transpose()) {
                Ok(None) => Err(self.expire()),
                Ok(Some(None)) => Ok(None),
                Ok(Some(Some(ServerMessage::DropPython { objects }))) => {
                    self.drops.extend(objects);
                    Ok(None)
                }
                Ok(Some(Some(m))) => Ok(route(m)),
                Err(e) => Err(self.death(e)),
            };
            st = self.state.lock().unwrap();
            self.reading.store(false, Ordering::SeqCst);
            if st.sleepers > 0 {
                self.wake.notify_all();
            }
            // A settlement on this socket came ahead of the reply that makes its promise (the
            // host waited for it, D22): it goes to that request's chain (a top-level request's
            // chain is its id, the subscription's), which keeps it for the promise.
            let routed = routed.map(|r| {
                r.map(|(c, incoming)| match &incoming {
                    Incoming::Settled { subscription, .. } if st.mailboxes.contains_key(subscription) => (*subscription, incoming),
                    _ => (c, incoming),
                })
            });
            match routed {
                Ok(Some((c, incoming))) if c == chain => return Ok(incoming),
                Ok(Some((c, incoming))) => match st.mailboxes.get_mut(&c) {
                    Some(q) => q.push_back(incoming),
                    None => self.refuse_stray(incoming),
                },
                Ok(None) => {}
                Err(d) => {
                    self.record_death(&mut st, d);
                }
            }
        }
    }

    /// The next message on the event socket (blocking; only the event dispatcher calls it).
    /// `None` once the host is gone.
    pub fn next_event(&self) -> Option<Incoming> {
        loop {
            let msg = self.wire.next_event()?;
            if let Some(incoming) = self.event(msg)? {
                return Some(incoming);
            }
        }
    }

    /// The next event if the whole of it has already been read from the socket (never blocks).
    pub fn buffered_event(&self) -> Option<Incoming> {
        while let Some(msg) = self.wire.buffered_event() {
            if let Some(incoming) = self.event(msg)? {
                return Some(incoming);
            }
        }
        None
    }

    /// What the dispatcher runs for a message of the event socket: `Some(None)` when there is
    /// nothing to run (shared-memory bookkeeping), `None` when the stream is unusable.
    fn event(&self, msg: ServerMessage) -> Option<Option<Incoming>> {
        let Some(msg) = self.take_in(msg, true).ok()? else { return Some(None) };
        Some(route(msg).map(|(_, incoming)| incoming))
    }

    /// Why the host is gone, once it is: its event socket ended, and the main socket tells how
    /// (read here when no other thread is reading it).
    pub fn wait_dead(&self) -> Arc<Dead> {
        loop {
            // A chain with no mailbox: messages for live chains are filed, nothing is returned
            // for this one, so only the host's end ends the wait.
            if let Err(d) = self.wait(ChainId::MAX) {
                return d;
            }
        }
    }

    /// A call outlived the timeout: the host (with its whole group) is killed, and every waiter
    /// gets the timeout, not the crash the kill causes.
    fn expire(&self) -> Arc<Dead> {
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

    /// A call for a chain nobody waits for any more: answer it so the host does not hang.
    fn refuse_stray(&self, incoming: Incoming) {
        if let Incoming::Call { call, .. } = incoming {
            let result = Err(PyException {
                exception: PyRef(0),
                type_name: "RuntimeError".into(),
                message: "no Python thread waits for this call".into(),
            });
            let _ = self.send(ClientMessage::CallbackResult { call, result });
        }
    }

    /// Records why the host stopped answering, from how the stream ended.
    fn death(&self, e: FrameError) -> Arc<Dead> {
        let stopping = self.stopping.lock().unwrap().clone();
        if let Some(why) = stopping {
            self.die(why)
        } else if broken_by_host(&e) {
            self.invalid(e)
        } else if self.closing.load(Ordering::SeqCst) {
            self.mark_dead(Arc::new(self.closed(CLOSE_GRACE)))
        } else {
            self.crashed("napi-hostd stopped answering")
        }
    }

    /// The host broke the protocol: it is stopped.
    fn invalid(&self, e: FrameError) -> Arc<Dead> {
        self.die(format!("napi-hostd sent an invalid message ({e}); it was stopped"))
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
        if let Some(last) = stderr.lines().rev().find(|l| !l.trim().is_empty()) {
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
    fn die(&self, message: String) -> Arc<Dead> {
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
        let d = self.record_death(&mut st, dead);
        self.wake.notify_all();
        d
    }

    /// Ends the host: closing our end lets it run its cleanup hooks and exit; it is killed if it
    /// takes longer than `grace`.
    pub fn close(&self, grace: Duration) {
        if self.dead().is_some() {
            return;
        }
        self.hang_up_socket();
        let dead = self.closed(grace);
        self.mark_dead(Arc::new(dead));
    }

    fn hang_up_socket(&self) {
        self.closing.store(true, Ordering::SeqCst);
        self.wire.hang_up();
        if let Some(host) = &self.in_process {
            host.mail();
        }
    }

    /// How a host the client closed ended (waiting up to `grace` for it, then killing it).
    fn closed(&self, grace: Duration) -> Dead {
        let ending = describe(self.process.reap(grace));
        Dead {
            kind: DeathKind::Closed,
            pid: self.process.pid,
            message: "the addon was closed".into(),
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
        self.hang_up_socket();
        let channel = self.clone();
        let _ = std::thread::Builder::new().name("napi-hostd-reaper".into()).spawn(move || channel.close(CLOSE_GRACE));
    }
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

/// The chain a server message belongs to, and what to hand its waiter.
fn route(m: ServerMessage) -> Option<(ChainId, Incoming)> {
    match m {
        ServerMessage::Reply { id, chain, outcome } => Some((chain, Incoming::Reply { id, outcome })),
        ServerMessage::CallPython { call, chain, func, this, args } => Some((chain, Incoming::Call { call, func, this, args })),
        ServerMessage::Settled { subscription, outcome } => Some((EVENT_CHAIN, Incoming::Settled { subscription, outcome })),
        ServerMessage::Uncaught(thrown) => Some((EVENT_CHAIN, Incoming::Uncaught(thrown))),
        _ => None,
    }
}

/// Ids reserved a block at a time, handed out one by one by a caller that keeps every other
/// caller out (`Channel::next_id`, under the GIL): plain loads and stores, `[next, end)`.
#[derive(Default)]
struct IdBlock {
    next: AtomicU64,
    end: AtomicU64,
}

impl IdBlock {
    const SIZE: u64 = 64;

    /// The next id; `reserve(n)` answers the first of `n` fresh ids when the block runs out.
    fn next(&self, reserve: impl FnOnce(u64) -> u64) -> u64 {
        let id = self.next.load(Ordering::Relaxed);
        if id < self.end.load(Ordering::Relaxed) {
            self.next.store(id + 1, Ordering::Relaxed);
            return id;
        }
        let start = reserve(Self::SIZE);
        self.next.store(start + 1, Ordering::Relaxed);
        self.end.store(start + Self::SIZE, Ordering::Relaxed);
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_in_order_from_fresh_blocks_and_never_0() {
        let counter = AtomicU64::new(1);
        let block = IdBlock::default();
        let ids: Vec<u64> = (0..500).map(|_| block.next(|n| counter.fetch_add(n, Ordering::Relaxed))).collect();
        assert_eq!(ids, (1..501).collect::<Vec<_>>(), "0 is the event chain's");
        assert_eq!(counter.load(Ordering::Relaxed), 1 + 64 * 8, "eight blocks reserved");
    }
}
