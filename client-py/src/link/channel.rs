//! The link to one host, shared by every Python thread using it.
//!
//! There is no reader thread: a thread waiting for its answer reads the link itself when no
//! other thread is reading (leader/follower), and files messages for other chains in their
//! mailboxes. A single-threaded caller therefore writes a request and reads its reply with no
//! hand-off between threads, as cheap as the rings' round trip.
//!
//! Everything the host sends is checked before it is believed (`inbound`), since the addon owns
//! its host: a host that breaks the protocol is ended, and every wait ends at the call's deadline
//! (sending included) or at the host's end.
//!
//! An in-process host's requests mostly run on their callers' threads (`calls/direct_calls.rs`);
//! its channel carries what goes to its host thread, and the news of both sides go straight to
//! the other's tables (`napi_host::inprocess`).

mod busy;
mod ending;
mod sleepers;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use napi_protocol::frame::FrameError;
use napi_protocol::{ChainId, ClientMessage, PyException, PyRef, RequestId, ServerMessage, PROTOCOL_VERSION};

use napi_host::inprocess::InProcess;
use napi_link::spin::spin_until;

use self::busy::Busy;
pub use self::ending::Dead;
use self::sleepers::Sleepers;
use crate::link::client_end::ClientEnd;
use crate::link::host_process::HostProcess;
pub use crate::link::inbound::Incoming;
use crate::link::inbound::{self, Chains, Filed, Violation};
use crate::link::pending::Pending;
use crate::link::shared_memory::{ClientShm, Stream};

#[derive(Default)]
struct State {
    /// The chains threads wait on, their mailboxes, and the requests the host may answer.
    chains: Chains,
    dead: Option<Arc<Dead>>,
    /// The threads asleep in `wait`, each on its own bell.
    sleepers: Sleepers,
}

/// The link to one host: its rings and sockets (`end`), the chains waiting on them, and what
/// the client keeps for the host until the next request (releases, drop notices, forgotten
/// objects).
pub struct Channel {
    end: ClientEnd,
    /// An in-process host's share with this client (its JS lock, its news queue).
    in_process: Option<Arc<InProcess>>,
    state: Mutex<State>,
    /// Whether a thread reads the rings (leader/follower). Set and cleared under `state`'s lock.
    reading: AtomicBool,
    /// How many messages the reader filed for other threads, and deaths: a thread that looks
    /// for its message keeping the GIL (`poll`) looks at its mailbox again when this moves.
    filed: AtomicU64,
    /// Whether the host has requests to answer, or a Python call's answer to wait for (`Busy`).
    busy: Busy,
    /// Whether `state.dead` is set (it never goes back): every send and most requests ask, and
    /// a live host is asked about with one load, not a lock.
    died: AtomicBool,
    /// The fork generation this channel was made in (`crate::link::forks`): in a forked child it is
    /// dead, and nothing of it is touched.
    generation: u64,
    /// Shared memory with this host.
    pub shm: Arc<ClientShm>,
    pub process: HostProcess,
    /// How long a call may wait for the host before the host is killed.
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
    /// The highest id of a Python object this client gave the host: drop notices name no other.
    pub exported: AtomicU64,
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
        end: ClientEnd,
        in_process: Option<Arc<InProcess>>,
        shm: Arc<ClientShm>,
        drops: Arc<Pending<(PyRef, u64)>>,
        timeout: Option<Duration>,
    ) -> Result<Arc<Channel>, Dead> {
        let mut channel = Channel {
            end,
            in_process,
            state: Mutex::new(State::default()),
            reading: AtomicBool::new(false),
            filed: AtomicU64::new(0),
            busy: Busy::default(),
            died: AtomicBool::new(false),
            generation: crate::link::forks::generation(),
            shm,
            process,
            timeout,
            protections: Vec::new(),
            next_id: AtomicU64::new(1),
            ids: IdBlock::default(),
            releases: Pending::default(),
            drops,
            exported: AtomicU64::new(0),
            forgotten: Pending::default(),
            closing: AtomicBool::new(false),
            stopping: Mutex::new(None),
        };
        // The greeting comes from napi-hostd itself, before any addon code runs; a timeout
        // bounds it all the same.
        let hello = channel.end.read(channel.deadline()).and_then(|m| m.ok_or(FrameError::Io(std::io::ErrorKind::TimedOut.into())));
        match hello {
            Ok(ServerMessage::Hello { version, protections, .. }) if version == PROTOCOL_VERSION => {
                channel.protections = protections;
                Ok(Arc::new(channel))
            }
            Ok(ServerMessage::Hello { version, .. }) => {
                let d = channel.die(format!("napi-hostd speaks protocol version {version}, this client speaks {PROTOCOL_VERSION}: reinstall napi_python so both match"));
                Err((*d).clone())
            }
            Ok(_) => Err((*channel.die("napi-hostd did not greet the client".into())).clone()),
            Err(e) => Err((*channel.death(e, None)).clone()),
        }
    }

    /// When a wait starting now must end: the timeout from now, if there is one.
    #[inline]
    pub fn deadline(&self) -> Option<Instant> {
        self.timeout.map(|t| Instant::now() + t)
    }

    /// A fresh request id. Only a caller holding the GIL makes one, which keeps every other such
    /// caller out: ids come from a block reserved with one locked add per 64, not one per id (a
    /// locked add was a tenth of an in-process call's time). The module does not declare
    /// itself free of the GIL (`gil_used`), so even a free-threaded CPython re-enables it.
    pub fn next_id(&self, _gil: pyo3::Python<'_>) -> RequestId {
        self.ids.next(|n| self.next_id.fetch_add(n, Ordering::Relaxed))
    }

    pub fn queue_release(&self, id: napi_protocol::ObjectId) {
        // In a forked child nobody sends it, and the lock may be held by a thread that is not
        // there.
        if !self.forked() {
            self.releases.push(id);
        }
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

    /// Whether this process is a fork of the one that made the channel.
    #[inline]
    pub fn forked(&self) -> bool {
        crate::link::forks::generation() != self.generation
    }

    pub fn dead(&self) -> Option<Arc<Dead>> {
        if self.forked() {
            return Some(self.forked_death());
        }
        if !self.died.load(Ordering::Acquire) {
            return None;
        }
        self.state.lock().unwrap().dead.clone()
    }

    /// Whether the host is gone or being closed: it waits for nothing from this client any more.
    pub fn gone(&self) -> bool {
        self.forked() || self.died.load(Ordering::Acquire) || self.closing.load(Ordering::SeqCst)
    }

    /// Request `id` of `chain` is about to be sent over the rings: its reply is expected (and
    /// `top`: it starts its chain, whose mailbox opens). Refused once the host is dead.
    pub fn begin(&self, id: RequestId, chain: ChainId) -> Result<(), Arc<Dead>> {
        if self.forked() {
            return Err(self.forked_death());
        }
        let mut st = self.state.lock().unwrap();
        if let Some(d) = &st.dead {
            return Err(d.clone());
        }
        st.chains.begin(id, chain);
        self.busy.set_in_flight(st.chains.outstanding());
        Ok(())
    }

    /// Request `id` of `chain` is over (answered, or given up); `top`: its chain ends with it.
    pub fn end(&self, id: RequestId, chain: ChainId, top: bool) {
        if !self.forked() {
            self.state.lock().unwrap().chains.end(id, chain, top);
        }
    }

    /// What the client keeps for this host, by name: chains with a mailbox (the event chain's
    /// among them), requests sent and not answered, descriptors not claimed, segments mapped
    /// and their bytes. For tests that a host cannot make them grow without bound.
    pub fn bookkeeping(&self) -> Vec<(&'static str, u64)> {
        let (chains, outstanding) = {
            let st = self.state.lock().unwrap();
            (st.chains.len(), st.chains.outstanding())
        };
        let (segments, mapped) = self.shm.host_mapped();
        vec![
            ("chains", chains as u64),
            ("outstanding_requests", outstanding as u64),
            ("queued_descriptors", self.end.queued_fds() as u64),
            ("host_segments", segments as u64),
            ("host_mapped_bytes", mapped),
            ("pending_drops", self.drops.len() as u64),
        ]
    }

    /// Bells rung for sleeping waiters, and their wake-ups, so far (see `Sleepers`); and the
    /// top-level requests held back while the host was busy (`wait_free`).
    pub fn wakeups(&self) -> (u64, u64, u64) {
        let st = self.state.lock().unwrap();
        (st.sleepers.rung, st.sleepers.woken, self.busy.held_back.load(Ordering::Relaxed))
    }

    /// Sends `msg`; a full ring waits for room until `deadline`.
    pub fn send(&self, msg: ClientMessage, deadline: Option<Instant>) -> Result<(), Arc<Dead>> {
        if let Some(d) = self.dead() {
            return Err(d);
        }
        if matches!(msg, ClientMessage::CallbackResult { .. } | ClientMessage::Traced(_)) {
            self.busy.paid();
        }
        // Taken before the transport's lock: uploads lock the shared memory, then the transport.
        let sent = self.end.send(self.retired(), msg, deadline);
        if let Some(host) = &self.in_process {
            host.mail();
        }
        match sent {
            Ok(()) => Ok(()),
            // The host read nothing of a full ring before the call's deadline.
            Err(FrameError::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut => Err(self.expire()),
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
    /// host takes it from its queue before anything else it reads or serves). A full ring waits
    /// for room for the timeout at most.
    pub fn announce_segment(&self, id: u32, size: u64, fd: std::os::fd::BorrowedFd<'_>) -> std::io::Result<()> {
        match &self.in_process {
            Some(host) => {
                host.client_segment(id, size, fd.try_clone_to_owned()?);
                Ok(())
            }
            None => self.end.announce_segment(id, size, fd, self.deadline()),
        }
    }

    /// Takes in news of the host's (segments, returned blocks, dropped Python objects) that
    /// came on `stream`.
    fn take_news(&self, news: ServerMessage, stream: Stream) -> Result<(), Violation> {
        match news {
            ServerMessage::Segment { id, size } => {
                let fd = self
                    .end
                    .take_fd(stream == Stream::Events)
                    .ok_or_else(|| Violation(format!("segment {id} announced without its descriptor")))?;
                self.shm.host_segment(id, size, fd, stream)
            }
            ServerMessage::SegmentRetired { id } => self.shm.host_retired(id),
            ServerMessage::Returned { blocks } => self.shm.returned(blocks),
            ServerMessage::DropPython { objects } => {
                inbound::check_drops(&objects, self.exported.load(Ordering::Relaxed), self.drops.len() + objects.len())?;
                self.drops.extend(objects);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The next message for `chain`, reading the rings when no other thread is, until
    /// `deadline`: past it the host is killed (issue 6), and so is a host that sent what the
    /// protocol does not allow. The reader keeps reading until its own message comes, ringing
    /// the thread of each chain it files a message for; then it rings one sleeper to read next.
    pub fn wait(&self, chain: ChainId, deadline: Option<Instant>) -> Result<Incoming, Arc<Dead>> {
        if self.forked() {
            return Err(self.forked_death());
        }
        let mut st = self.state.lock().unwrap();
        let mut reader = false;
        let got = loop {
            if let Some(m) = st.chains.take(chain) {
                break Ok(m);
            }
            if let Some(d) = &st.dead {
                break Err(d.clone());
            }
            if !reader {
                if self.reading.load(Ordering::SeqCst) {
                    st = self.sleep(st, chain, deadline);
                    continue;
                }
                self.reading.store(true, Ordering::SeqCst);
                reader = true;
            }
            let (read, filed_for) = self.read_and_file(st, chain, deadline);
            st = read;
            if let Some(incoming) = filed_for {
                break Ok(incoming);
            }
        };
        if reader {
            self.reading.store(false, Ordering::SeqCst);
        }
        // Whoever leaves with nobody reading rings a sleeper to read (a reader leaving, or a
        // sleeper rung to read that found its mail instead).
        self.leave_reading(st);
        got
    }

    /// Whether the host has requests to answer or waits for a Python call's answer (`Busy`).
    pub fn busy(&self) -> bool {
        self.busy.busy()
    }

    /// Waits until the host goes free (see `busy`), is gone, or `at_most`; without the GIL.
    pub fn wait_free(&self, at_most: Duration) {
        self.busy.wait_free(at_most, || self.gone());
    }

    /// Rings a sleeper to read if nobody reads: for a caller that looked (`poll`) and then does
    /// not wait after all.
    pub fn hand_on_reading(&self) {
        if !self.forked() {
            self.leave_reading(self.state.lock().unwrap());
        }
    }

    /// Rings a sleeper to read if nobody reads (after the lock is let go, so that it wakes to
    /// find it free).
    fn leave_reading(&self, mut st: MutexGuard<'_, State>) {
        let successor = if self.reading.load(Ordering::SeqCst) {
            None
        } else {
            let State { chains, sleepers, .. } = &mut *st;
            sleepers.ring_successor(|c| chains.has_mail(c))
        };
        drop(st);
        if let Some(bell) = successor {
            bell.notify_one();
        }
    }

    /// The next message for `chain` if it comes within `budget`, looked for by this thread while
    /// it keeps the GIL (`None`: nothing came; the caller then waits without the GIL). It reads
    /// the rings if nobody else does, else watches its mailbox, which the reader fills without
    /// a bell for a thread that is not asleep. A reply within microseconds then costs no hand-off
    /// of the GIL to another thread and back, which is what made many threads slower than one.
    /// Only whole frames are read, so a host pausing inside one holds up nobody.
    pub fn poll(&self, chain: ChainId, budget: Duration) -> Option<Result<Incoming, Arc<Dead>>> {
        if self.forked() {
            return Some(Err(self.forked_death()));
        }
        let start = Instant::now();
        let mut st = self.state.lock().unwrap();
        loop {
            if let Some(m) = st.chains.take(chain) {
                return Some(Ok(m));
            }
            if let Some(d) = &st.dead {
                return Some(Err(d.clone()));
            }
            let left = budget.saturating_sub(start.elapsed());
            if left.is_zero() || self.busy.owed() {
                return None;
            }
            if !self.reading.load(Ordering::SeqCst) {
                return self.poll_reading(st, chain, start, budget);
            }
            // Another thread reads: the mailbox is looked at again when it files something or
            // leaves.
            let filed = self.filed.load(Ordering::SeqCst);
            drop(st);
            spin_until(|| self.filed.load(Ordering::SeqCst) != filed || !self.reading.load(Ordering::SeqCst) || self.busy.owed(), left);
            st = self.state.lock().unwrap();
        }
    }

    /// `poll` as the reader, from `start` until `budget` is spent.
    fn poll_reading<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        chain: ChainId,
        start: Instant,
        budget: Duration,
    ) -> Option<Result<Incoming, Arc<Dead>>> {
        self.reading.store(true, Ordering::SeqCst);
        let got = loop {
            drop(st);
            let polled = self.end.poll(budget.saturating_sub(start.elapsed()));
            let read = polled.map(|r| r.map(Some).map_err(|e| self.death(e, None)));
            st = self.state.lock().unwrap();
            let Some(read) = read else { break None };
            let (back, filed_for) = self.file(st, chain, read);
            st = back;
            if let Some(incoming) = filed_for {
                break Some(Ok(incoming));
            }
            if let Some(d) = &st.dead {
                break Some(Err(d.clone()));
            }
            if start.elapsed() >= budget || self.busy.owed() {
                break None;
            }
        };
        self.reading.store(false, Ordering::SeqCst);
        // Nothing yet: the caller waits at once, reading again if nobody else does (or, if it
        // does not wait after all, calls `hand_on_reading`). Else a sleeper reads in its place.
        if got.is_some() {
            self.leave_reading(st);
        }
        got
    }

    /// Sleeps until this thread's bell rings (a message for `chain`, the reader's place free,
    /// the host's end) or `deadline`, past which the host is killed.
    fn sleep<'a>(&'a self, mut st: MutexGuard<'a, State>, chain: ChainId, deadline: Option<Instant>) -> MutexGuard<'a, State> {
        let bell = st.sleepers.sleep(chain);
        st = match deadline {
            None => bell.wait(st).unwrap(),
            Some(d) => bell.wait_timeout(st, d.saturating_duration_since(Instant::now())).unwrap().0,
        };
        st.sleepers.wake(bell);
        if deadline.is_some_and(|d| Instant::now() >= d) && st.dead.is_none() {
            drop(st);
            self.expire();
            st = self.state.lock().unwrap();
        }
        st
    }

    /// As the reader: reads one message and files it (see `file`). The lock is let go while
    /// reading.
    fn read_and_file<'a>(
        &'a self,
        st: MutexGuard<'a, State>,
        chain: ChainId,
        deadline: Option<Instant>,
    ) -> (MutexGuard<'a, State>, Option<Incoming>) {
        drop(st);
        // How the stream failed is found out before the lock is taken again: it may wait a
        // moment for the process to end.
        let read = self.end.read(deadline).map_err(|e| self.death(e, deadline));
        self.file(self.state.lock().unwrap(), chain, read)
    }

    /// As the reader: files what it read (`None`: nothing came before the deadline), ringing
    /// the thread it is for, or hands it back if it is `chain`'s. The lock is let go while news
    /// are taken in, strays answered and a host ended.
    fn file<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        chain: ChainId,
        read: Result<Option<ServerMessage>, Arc<Dead>>,
    ) -> (MutexGuard<'a, State>, Option<Incoming>) {
        let filed = match read {
            Ok(None) => Err(None),
            Ok(Some(m)) => {
                self.count_owed(&m);
                let filed = st.chains.file(m).map_err(Some);
                self.busy.set_in_flight(st.chains.outstanding());
                filed
            }
            Err(d) => {
                self.record_death(&mut st, d);
                return (st, None);
            }
        };
        let outcome = match filed {
            Ok(Filed::For(c, incoming)) if c == chain => return (st, Some(incoming)),
            Ok(Filed::For(c, incoming)) => match st.chains.deliver(c, incoming) {
                Ok(()) => {
                    self.filed.fetch_add(1, Ordering::SeqCst);
                    // Rung after the lock is let go: the thread wakes to find it free.
                    if let Some(bell) = st.sleepers.ring(c) {
                        drop(st);
                        bell.notify_one();
                        st = self.state.lock().unwrap();
                    }
                    Ok(())
                }
                Err(v) => Err(v),
            },
            Ok(Filed::Dropped) => Ok(()),
            Ok(Filed::StrayTrace) => {
                drop(st);
                let _ = self.send(ClientMessage::Traced(napi_protocol::TraceAnswer::Live), self.deadline());
                st = self.state.lock().unwrap();
                Ok(())
            }
            Ok(Filed::Stray(call)) => {
                drop(st);
                self.refuse_stray(call);
                st = self.state.lock().unwrap();
                Ok(())
            }
            Ok(Filed::News(news)) => {
                drop(st);
                let taken = self.take_news(news, Stream::Main);
                st = self.state.lock().unwrap();
                taken
            }
            // Nothing came before the deadline.
            Err(None) => {
                drop(st);
                self.expire();
                st = self.state.lock().unwrap();
                Ok(())
            }
            Err(Some(v)) => Err(v),
        };
        if let Err(v) = outcome {
            drop(st);
            self.violation(v);
            st = self.state.lock().unwrap();
        }
        (st, None)
    }

    /// The next message on the event ring (blocking; only the event dispatcher calls it).
    /// `None` once the host is gone, or ended for what it sent there.
    pub fn next_event(&self) -> Option<Incoming> {
        loop {
            if self.forked() {
                return None;
            }
            match self.end.next_event() {
                Ok(msg) => match self.event(msg) {
                    Ok(Some(incoming)) => return Some(incoming),
                    Ok(None) => {}
                    Err(v) => {
                        self.violation(v);
                        return None;
                    }
                },
                Err(FrameError::Closed | FrameError::Truncated) => return None,
                Err(e) => {
                    // What no healthy host sends (a malformed frame, a pause inside one, a
                    // flood of descriptors) ends it, as on the main stream.
                    if !self.gone() {
                        self.invalid(e);
                    }
                    return None;
                }
            }
        }
    }

    /// The next event if the whole of it has already been read from the socket (never blocks).
    pub fn buffered_event(&self) -> Option<Incoming> {
        self.event_of(|| self.end.buffered_event())
    }

    /// The next event if a whole one comes within `budget`, looking without sleeping (never
    /// waiting on a frame begun): what the event dispatcher does with the GIL held.
    pub fn event_within(&self, budget: Duration) -> Option<Incoming> {
        self.event_of(|| self.end.poll_event(budget))
    }

    /// The next event `read` brings, past segment announcements; `None` when it brings none.
    fn event_of(&self, mut read: impl FnMut() -> Option<Result<ServerMessage, FrameError>>) -> Option<Incoming> {
        while let Some(msg) = read() {
            match msg.map_err(|e| Violation(format!("an invalid message ({e})"))).and_then(|m| self.event(m)) {
                Ok(Some(incoming)) => return Some(incoming),
                Ok(None) => {}
                Err(v) => {
                    self.violation(v);
                    return None;
                }
            }
        }
        None
    }

    /// What the dispatcher runs for a message of the event ring: `None` when there is
    /// nothing to run (a segment announcement).
    fn event(&self, msg: ServerMessage) -> Result<Option<Incoming>, Violation> {
        self.count_owed(&msg);
        match inbound::event(msg)? {
            Ok(incoming) => Ok(Some(incoming)),
            Err(news) => self.take_news(news, Stream::Events).map(|()| None),
        }
    }

    /// Counts what the host will wait for the answer of (see `Busy`).
    fn count_owed(&self, msg: &ServerMessage) {
        if matches!(msg, ServerMessage::CallPython { .. } | ServerMessage::Trace { .. }) {
            self.busy.owe();
        }
    }

    /// Why the host is gone, once it is: its event socket ended, and the main socket tells how
    /// (read here when no other thread is reading it).
    pub fn wait_dead(&self) -> Arc<Dead> {
        loop {
            // A chain with no mailbox: messages for live chains are filed, nothing is returned
            // for this one, so only the host's end ends the wait.
            if let Err(d) = self.wait(ChainId::MAX, None) {
                return d;
            }
        }
    }

    /// A call for a chain nobody waits for any more: answer it so the host does not hang.
    fn refuse_stray(&self, call: napi_protocol::CallId) {
        let result = Err(PyException {
            exception: PyRef(0),
            type_name: "RuntimeError".into(),
            message: "no Python thread waits for this call".into(),
        });
        let _ = self.send(ClientMessage::CallbackResult { call, result }, self.deadline());
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
