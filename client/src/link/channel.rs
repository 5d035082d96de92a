//! The link to one host, shared by every thread using it.
//!
//! There is no reader thread: a thread waiting for its answer reads the link itself when no
//! other thread is reading (leader/follower), and files messages for other chains in their
//! mailboxes. A single-threaded caller therefore writes a request and reads its reply with no
//! hand-off between threads, as cheap as the rings' round trip.
//!
//! Everything the host sends is checked before it is believed (`inbound`), since the addon owns
//! its host: a host that breaks the protocol is ended, and every wait ends at the call's deadline
//! (sending included; counted from the call's first wait, `call_deadline`) or at the host's end.
//!
//! An in-process host's requests mostly run on their callers' threads (`calls/direct_calls.rs`);
//! its channel carries what goes to its host thread, and the news of both sides go straight to
//! the other's tables (`napi_host::inprocess`).
//!
//! Here are the channel's state and its opening; what it does is in the files below, each an
//! `impl Channel` over that state: `sending` (what goes to the host), `looking` (a short look
//! for a reply keeping the GIL), `alone` (a request that reads its own reply, registered only if
//! it must wait), `waiting` (leader/follower reading without it), `filing` (what
//! the reader does with each message), `events` (the event ring), `between_requests` (what goes
//! with the next request) and `ending` (how a host ends). Beneath them, with no channel of their
//! own: `sleepers`, `busy`, `ids` and `dead` (and `napi_link::shared_cpu`, a caller moving off its
//! host's CPU).

mod alone;
mod between_requests;
mod busy;
mod dead;
mod ending;
mod events;
mod filing;
mod ids;
mod looking;
mod sending;
mod sleepers;
mod waiting;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use napi_protocol::frame::FrameError;
use napi_protocol::{ChainId, PyRef, RequestId, ServerMessage, PROTOCOL_VERSION};

use napi_host::inprocess::InProcess;
use napi_link::streams::Deadline;

pub use self::alone::Alone;
use self::busy::Busy;
pub use self::dead::{Dead, DeathKind};
use self::ids::IdBlock;
use self::sleepers::Sleepers;
use crate::link::client_end::ClientEnd;
use crate::link::host_process::HostProcess;
use crate::link::inbound::Chains;
pub use crate::link::inbound::Incoming;
use crate::link::pending::Pending;
use crate::link::shared_memory::ClientShm;

/// What `calls_in` holds once the host has started to end: a fork generation no process reaches.
const NO_CALLS: u64 = u64::MAX;

/// The least time a host is given to greet once started (exec, the dynamic loader, the sandbox,
/// a Windows host's handles): 2-3 ms on a quiet Linux machine, but seconds under emulation, a
/// sanitizer or a loaded machine's wine. It also bounds a start with no call timeout.
const GREETING_WITHIN: Duration = Duration::from_secs(30);

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
    /// Whether a thread reads the rings (leader/follower): claimed by an exchange
    /// (`claim_reading`), under `state`'s lock except by a lone request (`read_alone`). It is
    /// also the reader's only lock: only its holder touches `end`'s reader.
    reading: AtomicBool,
    /// Threads inside `wait`, which a lone request leaving the reading rings (`leave_alone`).
    waiting: AtomicU64,
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
    /// `generation` while the host takes calls; [`NO_CALLS`] from when it starts to end (closed,
    /// ended for an exception nothing caught, or dead), so that one load, the one the fork's
    /// check makes anyway, says whether a call may go ahead (`refusing`).
    calls_in: AtomicU64,
    /// Shared memory with this host.
    pub shm: Arc<ClientShm>,
    pub process: HostProcess,
    /// How long a call may wait for the host before the host is killed, from its first wait
    /// (`call_deadline`).
    timeout: Option<Duration>,
    /// The protections the host reported in its greeting.
    pub protections: Vec<String>,
    next_id: AtomicU64,
    /// How many compact calls were sent (`send_quick`), for tests of which calls go so.
    quick_sent: AtomicU64,
    /// The block of ids `next_id` hands out, touched only under the GIL.
    ids: IdBlock,
    /// Host objects whose last proxy died; sent with the next request.
    releases: Pending<napi_protocol::ObjectId>,
    /// Drop notices from the host (Python objects it let go, with its receive counts), handled
    /// by the next thread that holds the GIL after a request.
    drops: Arc<Pending<(PyRef, u64)>>,
    /// How many ids of Python objects this client gave the host: drop notices name no other
    /// (`inbound::check_drops`).
    pub exported: AtomicU64,
    /// Python objects the client forgot; acknowledged with the next request.
    forgotten: Pending<PyRef>,
    /// Set when the client ends the host on purpose: its end of the socket then means "closed",
    /// to whichever thread reads it first (the event dispatcher may, see `wait_dead`).
    closing: AtomicBool,
    /// How the client ends it, once `closing` is set: closed, or ended for an exception nothing
    /// caught; what the end of its socket then means.
    closing_as: Mutex<Option<(DeathKind, String)>>,
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
            waiting: AtomicU64::new(0),
            filed: AtomicU64::new(0),
            busy: Busy::default(),
            died: AtomicBool::new(false),
            generation: crate::link::forks::generation(),
            calls_in: AtomicU64::new(crate::link::forks::generation()),
            shm,
            process,
            timeout,
            protections: Vec::new(),
            next_id: AtomicU64::new(1),
            quick_sent: AtomicU64::new(0),
            ids: IdBlock::default(),
            releases: Pending::default(),
            drops,
            exported: AtomicU64::new(0),
            forgotten: Pending::default(),
            closing: AtomicBool::new(false),
            closing_as: Mutex::new(None),
            stopping: Mutex::new(None),
        };
        // The greeting comes from napi-hostd itself, before any addon code runs, once the
        // process has started: bounded by the call timeout, but never by less than
        // `GREETING_WITHIN`, since a start on a loaded machine (or wine's) outlasts a short one.
        let greeting_within = channel.timeout.map_or(GREETING_WITHIN, |t| t.max(GREETING_WITHIN));
        let greeting_deadline = Instant::now() + greeting_within;
        // SAFETY: no other thread has the channel yet: this one reads as if it held the claim.
        let hello =
            unsafe { channel.end.read(Some(greeting_deadline)) }.and_then(|m| m.ok_or(FrameError::Io(std::io::ErrorKind::TimedOut.into())));
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
            Err(FrameError::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
                let d = channel.die(format!("napi-hostd did not greet the client within {} s of its start", greeting_within.as_secs_f64()));
                Err((*d).clone())
            }
            Err(e) => Err((*channel.death(e, None)).clone()),
        }
    }

    /// When a wait starting now must end: the timeout from now, if there is one.
    #[inline]
    pub fn deadline(&self) -> Option<Instant> {
        self.timeout.map(|t| Instant::now() + t)
    }

    /// The deadline of a call's waits (its send's for room, its wait for the reply): the
    /// timeout counted from the first of them to begin, not from the send, so that a call whose
    /// reply is there at its first look reads no clock. A call's first wait for the reply begins
    /// after that look (`Exchange::LOOK_FIRST`, tens of µs), so the timeout starts at most that
    /// much later than at the send; every wait of the call shares the instant the first fixed,
    /// and a hung host still ends at the timeout.
    #[inline]
    pub fn call_deadline(&self) -> Deadline {
        Deadline::after(self.timeout)
    }

    /// A fresh request id, for any caller on any thread.
    pub fn next_id(&self) -> RequestId {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// A fresh request id for a caller that keeps every other caller of this out (a binding
    /// holding its lock, the GIL): ids come from a block reserved with one locked add per 64,
    /// not one per id (a locked add was a tenth of an in-process call's time). Two callers at
    /// once could be handed one id.
    pub fn next_id_exclusive(&self) -> RequestId {
        self.ids.next(|n| self.next_id.fetch_add(n, Ordering::Relaxed))
    }

    /// Whether this process is a fork of the one that made the channel.
    #[inline]
    pub fn forked(&self) -> bool {
        crate::link::forks::generation() != self.generation
    }

    /// Whether a call made now is refused: the host has started to end (or is dead), or this
    /// process is a fork of the one that made the channel. What it is told: `refusal`. Every
    /// call asks, the direct ones included: the loads of the fork's check, no more.
    #[inline]
    pub fn refusing(&self) -> bool {
        crate::link::forks::generation() != self.calls_in.load(Ordering::Relaxed)
    }

    /// The host's end, if it came (or this process is a fork): two loads when it did not.
    #[inline]
    pub fn dead(&self) -> Option<Arc<Dead>> {
        if !self.forked() && !self.died.load(Ordering::Acquire) {
            return None;
        }
        self.how_dead()
    }

    #[cold]
    fn how_dead(&self) -> Option<Arc<Dead>> {
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
    /// `top`: it starts its chain, whose mailbox opens). Refused once the host has started to
    /// end (`refusing`).
    pub fn begin(&self, id: RequestId, chain: ChainId) -> Result<(), Arc<Dead>> {
        if self.refusing() {
            return Err(self.refusal());
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

    /// Whether a thread reads the rings now (for tests: a wait is then under way).
    pub fn reading(&self) -> bool {
        self.reading.load(Ordering::SeqCst)
    }

    /// Whether the host has requests to answer or waits for a Python call's answer (`Busy`).
    #[inline]
    pub fn busy(&self) -> bool {
        self.busy.busy()
    }

    /// Waits until the host goes free (see `busy`), is gone, or `at_most`; without the GIL.
    pub fn wait_free(&self, at_most: Duration) {
        self.busy.wait_free(at_most, || self.gone());
    }
}
