//! The host thread's loop, and a request's way from message to reply.

use std::time::{Duration, Instant};

use napi_functions::lifecycle::teardown_env;
use napi_link::streams::Also;
use napi_protocol::frame::FrameError;
use napi_protocol::quick::{QuickCall, Received};
use napi_protocol::{ChainId, ClientMessage, Outcome, Request, RequestId, ServerMessage, PROTOCOL_VERSION};
use napi_runtime::{pending, ObjectId};

use crate::port::{Here, News, Woke};
use crate::pump::AtTeardown;
use crate::turn::{Call, Caller, Turn, TurnKind};
use crate::{Host, Stop};

mod js_thread;
mod quick;

/// How long a reply waits for its promise's work to finish (see `Host::linger`): a few thread
/// wake-ups, far below what the client would pay to be woken for the settlement later.
const LINGER: Duration = Duration::from_micros(50);

/// How long teardown waits, all envs together, for async cleanup hooks to remove themselves
/// while it runs their loop (node waits for ever): below the 2 s a host gets after its client
/// hung up (`napi-hostd`'s watchdog, the client's wait in `close`), so that the rest of teardown
/// (cleanup hooks, finalizers) still runs and the host ends by itself, saying which addon's hook
/// it gave up on, rather than killed.
const ASYNC_CLEANUP_LIMIT: Duration = Duration::from_millis(1500);

impl Host {
    /// Greets the client (naming the `protections` in force), then serves requests until it
    /// goes away.
    pub fn serve(&self, protections: Vec<String>) -> Stop {
        if let Some(shared) = &self.in_process {
            // Held from here through `shutdown` (see `Drop`), but while the host idles.
            shared.begin(self);
        }
        let stop = self.serve_until_stopped(protections);
        if let Some(shared) = &self.in_process {
            shared.end();
        }
        stop
    }

    fn serve_until_stopped(&self, protections: Vec<String>) -> Stop {
        self.send(ServerMessage::Hello { version: PROTOCOL_VERSION, pid: std::process::id(), protections });
        if self.in_process.as_ref().is_some_and(|shared| shared.js_thread_is_callers()) {
            // Its JS runs on the thread that started it: this one only watches for it.
            return self.watch_for_js_thread();
        }
        // Each compact call is read into this slot and served from it: never moved.
        let mut call = QuickCall::slot();
        loop {
            // Whether the isolated branch's look read a compact call into `call` already.
            let mut took_call = false;
            // Bound first: a borrow in the `if let` itself would live through serve_request.
            let waiting = self.backlog.borrow_mut().pop_front();
            if let Some(req) = waiting {
                self.serve_request(&req);
                // Then what other threads posted and the loop, so neither starves the other.
                self.run_events();
                self.loop_turn_if_busy();
                continue;
            }
            // One client message (a hang-up above all) before each turn of events: a client that
            // went away must not be called while the events keep coming.
            let mail = match &self.in_process {
                Some(shared) => {
                    self.take_in_client_news();
                    let ready = self.conn.borrow_mut().ready();
                    if !ready && self.rt.events().is_empty() {
                        let Ok(deadline) = self.loop_before_sleep() else { continue };
                        // Callers may serve requests themselves meanwhile.
                        if shared.idle(self, self.rt.events(), self.uv.io_signal(), deadline) {
                            self.run_loop_turn();
                        }
                        continue;
                    }
                    ready
                }
                None => {
                    // A message already here is read at once, as an in-process host does: what
                    // the wait would do first (the loop's look before a sleep, its next timer's
                    // deadline) is for a wait, and a busy host's loop still has its turn once a
                    // tick (`loop_turn_if_busy`). After a wait the same look reads what woke
                    // it: a call that comes while the host waits (the commonest, when the host
                    // is the faster side) is taken as one that was already here.
                    let here = match self.take_call(&mut call) {
                        Here::Nothing if self.wait_for_client() => self.take_call_woken(&mut call),
                        here => here,
                    };
                    took_call = here == Here::Call;
                    here != Here::Nothing
                }
            };
            if !mail {
                // Top level, no request running: what other threads posted (async-work
                // completions, threadsafe-function calls) runs here, as Node runs it from its loop.
                self.run_events();
                if let Some(shared) = &self.in_process {
                    shared.let_queued_callers_in(self);
                }
                continue;
            }
            if took_call {
                // As `recv_one` hands a compact call up.
                self.before_acting();
                self.serve_quick(&call);
            } else {
                match self.recv_work_into(&mut call) {
                    Ok(Some(None)) => self.serve_quick(&call),
                    Ok(Some(Some(ClientMessage::Request(req)))) => self.serve_request(&req),
                    Ok(_) => {}
                    Err(stop) => return stop,
                }
            }
            if self.closed.get() {
                return Stop::Closed;
            }
            self.run_events();
            self.loop_turn_if_busy();
        }
    }

    /// One look at the client's end (an isolated host), a compact call whole there read into
    /// `call`. Bound in a function of its own, so the borrow ends before any wait.
    #[inline(always)]
    fn take_call(&self, call: &mut QuickCall) -> Here {
        self.conn.borrow_mut().take_call(call)
    }

    /// `take_call` once the wait said the client sent something: what is no whole compact
    /// call (a frame begun, a hang-up) is left to `recv_work_into`, which reads or reports it.
    #[inline]
    fn take_call_woken(&self, call: &mut QuickCall) -> Here {
        match self.take_call(call) {
            Here::Nothing => Here::Else,
            here => here,
        }
    }

    /// Waits (an isolated host) for the client's next message, for events or for the loop,
    /// answering whether the client sent something; the loop's turn runs here if it needs one
    /// first or its I/O or timer ended the wait.
    fn wait_for_client(&self) -> bool {
        let Ok(deadline) = self.loop_before_sleep() else { return false };
        // The spin looks at the event queue and at the loop's asyncs (the pool's completions),
        // so that work done while it spins runs at once instead of after the spin, when the
        // sleep would find the descriptor readable.
        self.uv.before_sleep();
        let ready = || !self.rt.events().is_empty() || self.uv.async_pending();
        let also = Also { fd: self.uv.wake_fd(), ready: &ready };
        // Bound first: a borrow in the `match` itself would live through the turns below, whose
        // callbacks send events.
        let woke = self.conn.borrow_mut().wait_readable(also, deadline);
        match woke {
            Woke::Client => true,
            Woke::Other => {
                // Only after a sleep: a look at the loop costs a system call.
                if self.uv.has_io() {
                    self.run_loop_turn();
                }
                false
            }
            Woke::TimedOut => {
                self.run_loop_turn();
                false
            }
        }
    }

    /// The next client message the host acts on, a call or a request (`None`: another, logged
    /// and left); a hang-up or a broken frame ends the host (`Err`).
    pub(crate) fn recv_work(&self) -> Result<Option<Received>, Stop> {
        let mut call = QuickCall::slot();
        Ok(self.recv_work_into(&mut call)?.map(|work| work.map_or(Received::Call(call), Received::Message)))
    }

    /// `recv_work`, a compact call read into `call` (`Some(None)`) rather than moved up.
    fn recv_work_into(&self, call: &mut QuickCall) -> Result<Option<Option<ClientMessage>>, Stop> {
        match self.recv_into(call) {
            Ok(None) => Ok(Some(None)),
            Ok(Some(req @ ClientMessage::Request(_))) => Ok(Some(Some(req))),
            Ok(Some(ClientMessage::CallbackResult { call, .. })) => {
                tracing::warn!(call, "answer to a Python call nobody waits for");
                Ok(None)
            }
            Ok(_) => {
                tracing::warn!("unknown message");
                Ok(None)
            }
            Err(FrameError::Closed) => Err(Stop::Closed),
            Err(e) => Err(Stop::Protocol(e)),
        }
    }

    /// The next client message, taking in the segments it announces on the way. Inside a direct
    /// call (an event turn of its linger waiting for the dispatcher), the wait lets go of what
    /// the caller holds.
    pub(crate) fn recv(&self) -> Result<Received, FrameError> {
        let mut call = QuickCall::slot();
        Ok(match self.recv_into(&mut call)? {
            Some(msg) => Received::Message(msg),
            None => Received::Call(call),
        })
    }

    /// `recv`, a compact call read into `call` (answered `None`) rather than moved up.
    pub(crate) fn recv_into(&self, call: &mut QuickCall) -> Result<Option<ClientMessage>, FrameError> {
        loop {
            // Read where it is returned: through a closure's `Option`, each message was copied
            // twice more on the way (a compact call's read too, the payload's room being moved
            // whatever it held).
            let read = match self.turn().as_ref().and_then(Turn::caller) {
                Some(direct) => self.recv_one_waiting(direct.caller, call),
                None => self.recv_one(call),
            };
            match read? {
                Read::Message(msg) => return Ok(Some(msg)),
                Read::Call => return Ok(None),
                Read::News => {}
            }
        }
    }

    /// `recv_one` inside a direct call: its caller lets go of what it holds meanwhile (the GIL).
    #[cold]
    fn recv_one_waiting(&self, caller: &dyn Caller, call: &mut QuickCall) -> Result<Read, FrameError> {
        let mut got = None;
        caller.waiting(&mut || got = Some(self.recv_one(call)));
        got.expect("the wait ran")
    }

    /// Reads one client message (waiting for it), or a compact call into `call`; segment news
    /// are taken in here.
    fn recv_one(&self, call: &mut QuickCall) -> Result<Read, FrameError> {
        self.take_in_client_news();
        let mut conn = self.conn.borrow_mut();
        // Matched where it lies: bound first, the message's room was copied before its look.
        let msg = match conn.recv_into(call) {
            Ok(Some(msg)) => msg,
            Ok(None) => {
                drop(conn);
                self.before_acting();
                return Ok(Read::Call);
            }
            Err(e) => return Err(e),
        };
        match msg {
            ClientMessage::Segment { id, size } => {
                let Some(fd) = conn.take_fd() else {
                    return Err(FrameError::Malformed(format!("segment {id} announced without its descriptor")));
                };
                drop(conn);
                self.add_client_segment(id, size, fd);
                Ok(Read::News)
            }
            ClientMessage::Descriptor { id } => {
                let Some(fd) = conn.take_fd() else {
                    return Err(FrameError::Malformed(format!("descriptor {id} announced without itself")));
                };
                drop(conn);
                self.add_client_descriptor(id, fd);
                Ok(Read::News)
            }
            ClientMessage::SegmentRetired { id } => {
                drop(conn);
                self.rt.shm().remove_peer(id);
                Ok(Read::News)
            }
            other => {
                drop(conn);
                self.before_acting();
                Ok(Read::Message(other))
            }
        }
    }

    /// The client's news queued meanwhile (in-process), and Python's writes to mirrored
    /// external buffers, before the host acts on what it read.
    #[inline]
    fn before_acting(&self) {
        self.take_in_client_news();
        self.take_in_mirrors();
    }

    /// Python's writes to mirrored external buffers, taken into the addon's memory (while any
    /// mirror exists: the word's `MIRRORS`).
    #[inline]
    pub(crate) fn take_in_mirrors(&self) {
        if self.rt.pending().any(pending::MIRRORS) {
            self.held.borrow_mut().mirrors.take_in(&self.rt);
        }
    }

    /// What an in-process client queued for the host (its segments), taken in before anything
    /// the host reads or serves.
    #[inline]
    pub(crate) fn take_in_client_news(&self) {
        if let Some(shared) = &self.in_process {
            shared.take_in_client_news(self);
        }
    }

    pub(crate) fn serve_request(&self, req: &Request) {
        let outcome = self.answer(req, TurnKind::Request);
        self.reply(req.id, req.chain, outcome);
    }

    /// Serves `req` as a turn of `kind` and answers its outcome. A promise answered to Python is
    /// awaited there more often than not: the host subscribes to it now, under the request's id,
    /// sparing the client a round trip to ask, and at the top level the reply waits a
    /// moment for work about to settle it (`linger`).
    pub(crate) fn answer(&self, req: &Request, kind: TurnKind) -> Outcome {
        self.take_notices(&req.releases, &req.forgotten);
        self.safe_point();
        let outcome = self.in_turn(req.chain, kind, || self.dispatch(&req.op, matches!(kind, TurnKind::Direct)));
        self.subscribe_if_promise(req.id, &outcome);
        outcome
    }

    /// `answer` for a call that comes without a `Request`: a direct call (in-process, `kind`
    /// `Direct`), or a compact one read from the rings (`Request`). Its outcome is written over
    /// `out`'s, where the caller keeps it (`set_outcome`): returned, the 56-byte outcome was
    /// copied on its way up through each return.
    pub(crate) fn answer_call(&self, call: &Call<'_>, kind: TurnKind, out: &mut Outcome) {
        self.take_notices(&call.releases, &call.forgotten);
        self.safe_point();
        self.in_turn(call.chain, kind, || self.dispatch_call(call, kind == TurnKind::Direct, out));
        self.subscribe_if_promise(call.id, out);
    }

    /// Subscribes to the promise request `id` answers with, if it does (and waits a moment for
    /// it at the top level).
    #[inline(always)]
    fn subscribe_if_promise(&self, id: RequestId, outcome: &Outcome) {
        if let Outcome::Ok(napi_protocol::Value::Js(r)) = outcome {
            if matches!(r.kind, napi_protocol::RefKind::Promise) {
                let promise = ObjectId::from_bits(r.id.0);
                self.subscribe(promise, id);
                if self.at_top() {
                    self.linger(promise, id);
                }
            }
        }
    }

    /// What a request carries besides its operation: the client's proxies that died, and the
    /// Python objects it forgot (whose send counts start again).
    #[inline(always)]
    fn take_notices(&self, releases: &[napi_protocol::ObjectId], forgotten: &[napi_protocol::PyRef]) {
        if !releases.is_empty() {
            let mut held = self.held.borrow_mut();
            for id in releases {
                held.release(ObjectId::from_bits(id.0));
            }
        }
        if !forgotten.is_empty() {
            let mut python = self.python.borrow_mut();
            for py in forgotten {
                python.forgotten(py.0);
            }
        }
    }

    /// Between top-level requests nothing but the roots holds values: collects garbage there
    /// when the runtime asks for it.
    #[inline]
    fn safe_point(&self) {
        if self.at_top() && self.rt.wants_collection() {
            self.collect();
        }
    }

    /// Sends the reply to request `id` of `chain`, then runs the promise jobs a top-level
    /// request queued.
    pub(crate) fn reply(&self, id: RequestId, chain: ChainId, outcome: Outcome) {
        self.send(ServerMessage::Reply { id, chain, outcome });
        if self.at_top() {
            self.run_microtasks();
        }
    }

    /// Before answering a top-level request with a pending promise whose work is already under
    /// way (async work on the pool, a threadsafe function), waits up to `LINGER` for it, running
    /// events as they come, as the loop would right after the reply. Work that quick (most async
    /// work of small inputs) settles the promise here, and its `Settled` goes to the client just
    /// before the reply (the client keeps it for the promise the reply makes), so `await` finds
    /// it settled instead of paying another wake-up of the caller.
    fn linger(&self, promise: ObjectId, request: u64) {
        use napi_runtime::promise::PromiseState;
        let pending = || matches!(self.rt.promise_state(promise), Some(PromiseState::Pending));
        if !pending() || !self.rt.has_pending_work() {
            return;
        }
        self.replying_to.set(Some(request));
        let deadline = Instant::now() + LINGER;
        self.run_microtasks();
        while pending() && !self.closed.get() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if napi_link::spin::one_cpu() {
                // The work's thread needs this very CPU: handing it over at once costs less
                // than sleeping on the event queue and being woken by the post (which, on one
                // CPU, also preempts the worker before it is done).
                if self.rt.events().is_empty() {
                    std::thread::yield_now();
                    continue;
                }
            } else if !napi_link::spin::spin_until(|| !self.rt.events().is_empty(), left) {
                // Looked at, not slept on: the post's wake-up of a sleeper costs more on a
                // VM than the whole linger, and its caller waits for this reply anyway.
                break;
            }
            self.run_events();
        }
        self.replying_to.set(None);
    }

    /// The promise jobs a top-level step queued, as after a turn of Node's loop.
    #[inline(always)]
    pub(crate) fn run_microtasks(&self) {
        if self.rt.has_microtasks() {
            self.in_turn(napi_protocol::EVENT_CHAIN, TurnKind::Event, || self.rt.run_microtasks());
        }
    }

    /// Runs what other threads posted and the promise jobs that follow, as an event turn.
    pub(crate) fn run_events(&self) {
        if !self.rt.events().is_empty() {
            self.in_turn(napi_protocol::EVENT_CHAIN, TurnKind::Event, || {
                self.rt.run_tasks();
                self.rt.run_microtasks();
            });
        }
    }

    /// Collects garbage (the client's proxies are roots), tells the client which Python objects
    /// the host let go, and answers how many objects were freed.
    pub(crate) fn collect(&self) -> usize {
        self.collect_counting().0
    }

    /// `collect`, answering also how many Python objects the client heard it may drop.
    pub(crate) fn collect_counting(&self) -> (usize, usize) {
        let roots = self.held.borrow().ids();
        let mut dropped = Vec::new();
        let collected = self.rt.collect(&roots, || dropped = self.python.borrow_mut().swept(&self.rt));
        let dropped = self.drops_due(dropped);
        let python = dropped.len();
        if !dropped.is_empty() {
            self.tell(News::DropPython(dropped.into_iter().map(|(py, sends)| (napi_protocol::PyRef(py), sends)).collect()));
        }
        let freed = collected.freed.len();
        if freed >= TRIM_AFTER {
            release_free_memory();
        }
        (freed, python)
    }

    /// Of the Python objects a collection let go (`dropped`) and those held back before, the
    /// ones the client may hear of now. In-process the notice reaches the client at once, while
    /// an event sent before it (an uncaught exception, a settlement) may still wait for the
    /// dispatcher, which will look up the Python objects it names: the client would have
    /// forgotten one. So a notice waits until the dispatcher has finished the events sent before
    /// it, looked at again at each collection.
    fn drops_due(&self, dropped: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
        let Some(shared) = &self.in_process else { return dropped };
        let calls = shared.event_calls();
        let mut withheld = self.withheld_drops.borrow_mut();
        if !dropped.is_empty() {
            withheld.push(WithheldDrops { events_before: calls.sent_so_far(), objects: dropped });
        }
        let mut due = Vec::new();
        withheld.retain_mut(|w| {
            let finished = calls.finished_up_to(w.events_before);
            if finished {
                due.append(&mut w.objects);
            }
            !finished
        });
        due
    }

    /// Runs every env's teardown (cleanup hooks, instance data), newest module first.
    pub fn shutdown(&self) {
        // From here on, as in Node's environment teardown, nothing may run JS.
        self.rt.forbid_calling_js();
        let modules = std::mem::take(&mut *self.modules.borrow_mut());
        let until = Instant::now() + ASYNC_CLEANUP_LIMIT;
        for m in modules.iter().rev() {
            if let Some(env) = self.rt.env(m.env) {
                teardown_env(&self.rt, env, &AtTeardown(self), until);
            }
        }
        // Then the libuv loop, as node runs its loop once more after the environment's cleanup:
        // the close callbacks the hooks asked for, and what the addons left open.
        self.close_loop();
        // Libraries stay mapped until the process exits: finalizers queued elsewhere may still
        // point into them. Each module is forgotten, not the list, whose memory LeakSanitizer
        // would report (scripts/sanitize).
        modules.into_iter().for_each(std::mem::forget);
    }

    /// Sends a message no request asked for on the event ring (its own reader in the client).
    pub(crate) fn send_event(&self, msg: ServerMessage) {
        self.share_news();
        if self.conn.borrow_mut().send_event(msg).is_err() {
            self.client_gone();
        }
    }

    /// Sends `msg` on the main stream.
    pub(crate) fn send(&self, msg: ServerMessage) {
        self.share_news();
        if self.conn.borrow_mut().send(msg).is_err() {
            self.client_gone();
        }
    }

    /// `send`, buffered for the next one (a settlement ahead of the reply that makes its promise).
    pub(crate) fn send_later(&self, msg: ServerMessage) {
        self.share_news();
        if self.conn.borrow_mut().send_later(msg).is_err() {
            self.client_gone();
        }
    }

    fn tell(&self, news: News<'_>) {
        if self.conn.borrow_mut().news(news).is_err() {
            self.client_gone();
        }
    }

    /// The client hung up (or its socket failed): nothing may call into Python any more, as in
    /// Node once its environment is exiting, and what still runs before teardown (a batch of
    /// threadsafe-function calls) gets napi's "cannot call into JS" answers, not Python's.
    pub(crate) fn client_gone(&self) {
        self.closed.set(true);
        self.rt.forbid_calling_js();
    }

    /// Before any message: the addon's writes to mirrored external buffers, new segments (which
    /// it may mention), segments retired and client blocks the host is done with.
    #[inline]
    pub(crate) fn share_news(&self) {
        // Nearly always none, and this comes before every reply and every direct call's answer:
        // one look at the word.
        if self.rt.pending().any(pending::MIRRORS | pending::SHM_NEWS) {
            self.share_flagged_news();
        }
    }

    /// `share_news` once the word says there may be some: its bits cleared first (news made
    /// meanwhile sets them again), `MIRRORS` only once no mirror is left.
    #[cold]
    fn share_flagged_news(&self) {
        let word = self.rt.pending();
        word.take(pending::SHM_NEWS);
        if self.held.borrow().mirrors.is_empty() {
            word.take(pending::MIRRORS);
        }
        if !self.held.borrow().mirrors.is_empty() || self.rt.shm().has_news() {
            self.share_some_news();
        }
    }

    /// Shares the news before a value that is a buffer of the host's reaches an in-process
    /// client as it is made: the client maps a new segment before it makes a buffer over it.
    pub(crate) fn share_news_before_buffer(&self, v: &napi_protocol::Value) {
        if matches!(v, napi_protocol::Value::Shared { .. }) {
            self.share_news();
        }
    }

    #[cold]
    fn share_some_news(&self) {
        self.held.borrow_mut().mirrors.send_out(&self.rt);
        let shm = self.rt.shm();
        let mut conn = self.conn.borrow_mut();
        let mut ok = true;
        shm.announce(|a| ok &= conn.news(News::Segment { id: a.id, size: a.size, fd: a.fd }).is_ok());
        for id in shm.take_retired() {
            ok &= conn.news(News::SegmentRetired(id)).is_ok();
        }
        let blocks = shm.take_returned();
        if !blocks.is_empty() {
            ok &= conn.news(News::Returned(blocks)).is_ok();
        }
        if !ok {
            drop(conn);
            self.client_gone();
        }
    }
}

/// Python objects a collection let go (each with how many times the client sent it), the
/// client not told yet: the events sent before them still wait for its dispatcher.
pub(crate) struct WithheldDrops {
    events_before: u64,
    objects: Vec<(u64, u64)>,
}

/// After a collection that freed this many objects, the allocator is asked to give its free
/// memory back to the system: glibc keeps freed small blocks for reuse, so that after a burst
/// of garbage the process would stay as large as at its peak.
const TRIM_AFTER: usize = 10_000;

// A heap of few survivors is collected every `FEWEST_BETWEEN_COLLECTIONS` objects: fewer than
// this, so that what such a collection frees stays in the allocator for the next objects instead
// of being given back and faulted in again.
const _: () = assert!(napi_runtime::gc::FEWEST_BETWEEN_COLLECTIONS < TRIM_AFTER);

/// What one read brought the host: a message, a compact call (in the reader's slot), or news
/// taken in already, nothing to act on. Unboxed, as `Received` is: moved, not allocated.
#[allow(clippy::large_enum_variant)]
enum Read {
    Message(ClientMessage),
    Call,
    News,
}

fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's arenas to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}
