//! In-process hosts (`isolated=False`): the host runs on a thread of the Python process, and a
//! Python thread's request runs directly on that Python thread while it holds the host's JS
//! lock, with the Python calls the addon makes meanwhile run inline on the same thread. A call
//! costs a compare-and-swap on the lock instead of two hand-offs between threads.
//!
//! JS is still run by one thread at a time, which is all the Node-API contract asks of an env,
//! but not always by the same thread. An addon that keeps thread-local state could tell, and
//! napi-rs does (it files its classes under the registering thread's id), so a library whose
//! ELF file has thread-local storage ([`has_thread_locals`]) loads on the host thread, and from
//! then on every request of that host runs there: still made as a direct call by its caller,
//! whose Python calls still run inline on its thread, but with its JS run by the host thread on
//! its behalf (`relay`). Which way a request goes is decided in one place, [`InProcess::route`].
//! The host thread also runs what no request caused (async-work completions, threadsafe
//! functions), taking the lock for each turn and letting go of it while it idles.
//!
//! Host and client share one address space here, so what the host tells the client beside
//! replies (segments, retirements, returned blocks, objects let go) reaches it directly, at
//! once, through [`NewsSink`], and the client's own segment news reach the host through a queue
//! the host takes in before anything else it reads.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use napi_link::shared_cpu;
use napi_link::shm::{BorrowedDescriptor, OwnedDescriptor};
use napi_link::spin::{spin_until, SPIN};
use napi_link::streams::{Also, RawDescriptor};
use napi_protocol::frame::FrameError;
use napi_protocol::{ClientMessage, Outcome, PyRef, Region, ServerMessage};
use napi_runtime::events::{Doorbell, EventQueue};
use napi_runtime::sync::lock;

use crate::caller::{Caller, Direct, Served};
use crate::event_calls::EventCalls;
use crate::given_back::GivenBack;
use crate::port::{News, Port, Woke};
use crate::relay::Relay;
use crate::relay_line::{Busy, RelayLine};
use crate::rings::RingsPort;
use crate::turn_lock::TurnLock;
use crate::Host;

#[path = "inprocess/platform.rs"]
pub(crate) mod platform;
use platform::this_thread;

/// How the host's news reach an in-process client: called on whichever thread holds the JS
/// lock, before the host sends anything that may need them.
pub trait NewsSink: Send + Sync {
    /// A new segment of the host's, `size` bytes, to map from `fd`.
    fn segment(&self, id: u32, size: u64, fd: OwnedDescriptor);
    /// The host unmapped its segment `id`.
    fn segment_retired(&self, id: u32);
    /// Blocks of the client's segments the host no longer uses.
    fn returned(&self, blocks: Vec<Region>);
    /// Python objects the host let go, each with how many times it received it.
    fn drop_python(&self, objects: Vec<(PyRef, u64)>);
}

/// Which way a request to an in-process host goes ([`InProcess::route`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// On the calling thread, under the JS lock, the Python calls it causes run inline: a
    /// direct call.
    Here,
    /// A direct call whose JS the host thread runs on the caller's behalf, the Python calls it
    /// causes still inline on the calling thread (`relay`): for hosts whose libraries have
    /// thread-local storage.
    Relayed,
    /// Over the rings to the host thread, as to a host in another process.
    HostThread,
}

/// News of the client's own segments, queued for the host.
enum ClientNews {
    Segment { id: u32, size: u64, fd: OwnedDescriptor },
    Retired(u32),
    Descriptor { id: u32, fd: OwnedDescriptor },
}

/// What an in-process host and its client share.
pub struct InProcess {
    /// Held by whoever runs JS: the host thread, or a caller making a direct call. It and the
    /// line and flag below are written on every call a caller makes: each on a cache line of
    /// its own, away from what the host thread looks at while it waits for the next call.
    js: CachePadded<JsLock>,
    /// The host while it serves (set and cleared under `js`).
    host: AtomicPtr<Host>,
    /// A library with thread-local storage was loaded (or is being loaded): every request goes
    /// to the host thread.
    calls_stay_on_host_thread: AtomicBool,
    /// Where callers post the calls the host thread runs for them (`relay`).
    relay: Relay,
    /// Where they wait for their turn to (ahead of the JS lock, which the turn's holder takes).
    line: CachePadded<RelayLine>,
    /// The JS lock's holder relays its calls (set and read by that holder only).
    relaying: CachePadded<AtomicBool>,
    client_news: Mutex<Vec<ClientNews>>,
    /// Whether `client_news` has anything, looked at without the lock on every request.
    has_client_news: AtomicBool,
    sink: Box<dyn NewsSink>,
    /// The client wrote to the rings (or hung up) since the host thread last looked.
    mail: AtomicBool,
    /// A direct call changed the libuv loop since the host thread last looked.
    loop_changed: AtomicBool,
    /// The host thread sleeps on `bell` (or is about to): only then does the client ring it.
    host_idle: AtomicBool,
    bell: Doorbell,
    /// The CPU the thread that last rang the host thread awake ran on (`usize::MAX`: none).
    ringer_cpu: AtomicUsize,
    /// How many times the host thread was woken from its sleep to serve a relayed call.
    woken_for_relay: AtomicU64,
    /// The host thread (`this_thread`), 0 until it begins to serve.
    host_thread: AtomicUsize,
    /// The host thread's event turns calling Python themselves, in order with the dispatcher.
    event_calls: EventCalls,
    /// Relayed calls' answers their callers are done with, for the host thread to free.
    given_back: CachePadded<GivenBack>,
}

impl InProcess {
    pub fn new(sink: Box<dyn NewsSink>) -> std::io::Result<Arc<InProcess>> {
        Ok(Arc::new(InProcess {
            js: CachePadded::default(),
            host: AtomicPtr::new(std::ptr::null_mut()),
            calls_stay_on_host_thread: AtomicBool::new(false),
            relay: Relay::default(),
            line: CachePadded::default(),
            relaying: CachePadded::new(AtomicBool::new(false)),
            client_news: Mutex::new(Vec::new()),
            has_client_news: AtomicBool::new(false),
            sink,
            mail: AtomicBool::new(false),
            loop_changed: AtomicBool::new(false),
            host_idle: AtomicBool::new(false),
            ringer_cpu: AtomicUsize::new(usize::MAX),
            woken_for_relay: AtomicU64::new(0),
            bell: Doorbell::new()?,
            host_thread: AtomicUsize::new(0),
            event_calls: EventCalls::default(),
            given_back: CachePadded::default(),
        }))
    }

    /// The client wrote to the rings or hung up: wakes the host thread if it idles. (It does not
    /// sleep on the rings themselves while idle: a direct caller holding the JS lock may be
    /// reading them, and only the lock's holder touches their reading end.)
    pub fn mail(&self) {
        // SeqCst against the host thread's store of `host_idle` then swap of `mail`: either it
        // sees the mail before sleeping, or this sees it asleep and rings.
        self.mail.store(true, Ordering::SeqCst);
        self.ring_if_idle();
    }

    /// Rings the host thread awake if it sleeps in `idle`, after the caller stored (SeqCst) what
    /// the host thread looks at before it sleeps; answers whether it rang.
    fn ring_if_idle(&self) -> bool {
        // A look first: the swap would take the line the host thread writes, on every call.
        let idle = self.host_idle.load(Ordering::SeqCst) && self.host_idle.swap(false, Ordering::SeqCst);
        if idle {
            self.ringer_cpu.store(shared_cpu::this_cpu().unwrap_or(usize::MAX), Ordering::Relaxed);
            self.bell.ring();
        }
        idle
    }

    /// Which way a request made now on this thread goes: the one decision between a direct call
    /// (run here or relayed) and the rings. `from_message`: it is made from a Python call that
    /// came by message.
    ///
    /// - A request made from a Python call that came by message goes by message too: the host
    ///   thread waits on the rings for that call's answer, serving its chain's requests there.
    /// - A request nested in a direct call goes as that call went; the host thread in a turn of
    ///   its own runs what it asks for itself.
    /// - Everything else runs on this thread, until a library with thread-local storage is
    ///   loaded; from then on it is relayed to the host thread.
    #[inline]
    pub fn route(&self, from_message: bool) -> Route {
        if from_message {
            Route::HostThread
        } else if self.relayed_here() {
            Route::Relayed
        } else {
            Route::Here
        }
    }

    /// Whether a call made now by a thread outside any call of this host runs on that thread
    /// (`Host.direct_calls`): until a library with thread-local storage is loaded.
    pub fn takes_direct_calls(&self) -> bool {
        !self.relays()
    }

    /// How many calls were relayed to the host thread and served so far, and how many steps of
    /// theirs (Python calls, walks of Python objects) it handed back to their callers (for tests).
    pub fn relayed_calls(&self) -> (u64, u64) {
        self.relay.counts()
    }

    /// How many times so far the host thread was woken from its sleep to serve a relayed call
    /// (for tests: a loop of calls that keeps it awake wakes it seldom).
    pub fn woken_for_relayed_calls(&self) -> u64 {
        self.woken_for_relay.load(Ordering::Relaxed)
    }

    /// How many relayed calls' answers their callers gave back to the host thread to free so
    /// far, and how many wait to be freed now (for tests).
    pub fn answers_given_back(&self) -> (u64, usize) {
        self.given_back.counts()
    }

    /// How many threads wait in line to relay a call now, and how many turns went to a thread
    /// asleep in the line so far (for tests).
    pub fn relay_line(&self) -> (usize, u64) {
        (self.line.waiting(), self.line.handed())
    }

    /// A relayed call's answer, what is left of it once its caller made its Python objects:
    /// freed by the host thread, which allocated it; by the caller itself when calls are not
    /// relayed, or the host thread sleeps or is gone (nothing waits for a wake-up that may be
    /// hours away).
    pub fn give_back(&self, outcome: Outcome) {
        if !self.relays() || self.host.load(Ordering::Acquire).is_null() {
            return;
        }
        self.given_back.give(outcome);
        // SeqCst against the host thread's store of `host_idle` then look at what was given.
        if self.host_idle.load(Ordering::SeqCst) {
            self.given_back.free();
        }
    }

    /// Whether a library with thread-local storage was loaded: calls are relayed from then on.
    #[inline]
    fn relays(&self) -> bool {
        self.calls_stay_on_host_thread.load(Ordering::Acquire)
    }

    /// Whether a direct call made now on this thread is relayed to the host thread. Nested in a
    /// direct call (this thread holds the JS lock), as that one went; otherwise when the host
    /// relays, unless this is the host thread itself, in a turn of its own.
    #[inline]
    fn relayed_here(&self) -> bool {
        self.relayed_when(self.js.held_here())
    }

    /// [`InProcess::relayed_here`] for a thread that holds the JS lock as an outer call's
    /// (`nested`) or not; asked again under the lock by a thread that did not hold it before.
    #[inline]
    fn relayed_when(&self, nested: bool) -> bool {
        if nested {
            self.relaying.load(Ordering::Relaxed)
        } else {
            self.relays() && !self.on_host_thread()
        }
    }

    /// The library at `path` is about to be loaded: if it has thread-local storage, its load
    /// and every request after it go to the host thread (its constructors and init must run on
    /// the thread that will use its thread-local state). Its ELF header is read here, once.
    pub fn loading(&self, path: &Path) {
        if !self.calls_stay_on_host_thread.load(Ordering::Acquire) && has_thread_locals(path) {
            self.calls_stay_on_host_thread.store(true, Ordering::Release);
        }
    }

    /// The host thread's event turns and the client's event dispatcher.
    pub fn event_calls(&self) -> &EventCalls {
        &self.event_calls
    }

    /// Whether this is the host thread.
    pub fn on_host_thread(&self) -> bool {
        self.host_thread.load(Ordering::Relaxed) == this_thread()
    }

    /// Whether this thread holds the JS lock (it is inside a direct call: a request it makes now
    /// is nested in that call).
    pub fn held_here(&self) -> bool {
        self.js.held_here()
    }

    /// Serves `op` as a direct call of this thread, which holds the GIL, if the JS lock is free
    /// now (or held here, by an outer direct call), answering whether it did (see
    /// [`InProcess::serve`]). A call to relay looks for its turn in the line a moment first
    /// (`RelayLine::try_enter_holding_gil`), unless the call that has the turn hands steps
    /// back to its caller (`Relay::calls_step`): its caller may wait for the GIL this thread
    /// holds (`Busy::HolderMayNeedGil`: let the GIL go, `wait_let_go`, and try again).
    pub fn try_serve(&self, op: Direct<'_>, caller: &dyn Caller, out: &mut Served) -> Result<bool, Busy> {
        if self.joins_line() {
            let _turn = self.line.try_enter_holding_gil(|| self.relay.calls_step())?;
            let held = self.js.try_hold().ok_or(Busy::Taken)?;
            return Ok(self.serve_held(held, op, caller, out));
        }
        let held = self.js.try_hold().ok_or(Busy::Taken)?;
        Ok(self.serve_held(held, op, caller, out))
    }

    /// Whether a call made now on this thread waits its turn in the relayed callers' line: a
    /// call to relay that is not nested in one (`relay_line`).
    #[inline]
    pub fn joins_line(&self) -> bool {
        !self.js.held_here() && self.relayed_when(false)
    }

    /// Waits until the JS lock is free and nobody waits for it, without taking it (and without
    /// the GIL: the holder may be waiting for a Python call).
    pub fn wait_free(&self) {
        self.js.wait_free();
    }

    /// Waits, without the GIL, until the relayed callers' turn taken now is let go, `at_most`
    /// (`Busy::HolderMayNeedGil`).
    pub fn wait_let_go(&self, at_most: Duration) {
        self.line.wait_let_go(at_most);
    }

    /// Serves `op` as a direct call of this thread, waiting for the JS lock as long as another
    /// thread runs JS (never wait here with the GIL: the holder may be waiting for a Python
    /// call), writing what it answers to `out`: run here, or by the host thread on this thread's
    /// behalf (relayed). False: the host is gone; the request then goes over the rings, which
    /// say so.
    pub fn serve(&self, op: Direct<'_>, caller: &dyn Caller, out: &mut Served) -> bool {
        if self.joins_line() {
            let _turn = self.line.enter();
            return self.serve_held(self.js.hold(), op, caller, out);
        }
        let held = self.js.hold();
        self.serve_held(held, op, caller, out)
    }

    fn serve_held(&self, held: Held<'_>, op: Direct<'_>, caller: &dyn Caller, out: &mut Served) -> bool {
        // Under the lock: a library with thread-local storage may have loaded while this thread
        // waited, and a nested call goes as its outer one went.
        if self.relayed_when(held.nested) {
            return self.relay_held(held, op, caller, out);
        }
        let host = self.host.load(Ordering::Acquire);
        // SAFETY: the host is alive while its pointer is set, which changes only under the JS
        // lock, held by this thread; the host runs nothing else meanwhile (`Host::serve`).
        let Some(host) = (unsafe { host.as_ref() }) else { return false };
        host.serve_direct(op, caller, out);
        drop(held);
        true
    }

    /// Has the host thread serve `op` for this thread, which holds the JS lock: the host thread
    /// idles meanwhile (or waits for the lock, or, for a nested call, for the Python call it is
    /// nested in), and serves what is posted there without the lock, which its poster holds.
    fn relay_held(&self, held: Held<'_>, op: Direct<'_>, caller: &dyn Caller, out: &mut Served) -> bool {
        let outer = !held.nested;
        if outer {
            self.relaying.store(true, Ordering::Relaxed);
        }
        let served = self.relay.call(op, caller, out, || {
            if !outer {
                return false;
            }
            let rang = self.ring_if_idle();
            self.js.wake_waiters();
            rang
        });
        if outer {
            self.relaying.store(false, Ordering::Relaxed);
        }
        drop(held);
        served
    }

    /// Queues the news of a client segment for the host, which takes it in before anything it
    /// reads or serves next.
    pub fn client_segment(&self, id: u32, size: u64, fd: OwnedDescriptor) {
        self.queue(ClientNews::Segment { id, size, fd });
    }

    /// Queues a descriptor the client passes for its addons (`js.descriptor`), as `id`.
    pub fn client_descriptor(&self, id: u32, fd: OwnedDescriptor) {
        self.queue(ClientNews::Descriptor { id, fd });
    }

    /// Queues the news that the client unmapped its segment `id`.
    pub fn client_segment_retired(&self, id: u32) {
        self.queue(ClientNews::Retired(id));
    }

    fn queue(&self, news: ClientNews) {
        lock(&self.client_news).push(news);
        self.has_client_news.store(true, Ordering::Release);
    }

    /// The client's news, for the JS lock's holder.
    fn take_client_news(&self) -> Vec<ClientNews> {
        if !self.has_client_news.swap(false, Ordering::AcqRel) {
            return Vec::new();
        }
        std::mem::take(&mut *lock(&self.client_news))
    }

    /// The host thread begins to serve `host`: it holds the lock from here on, but while it idles.
    pub(crate) fn begin(&self, host: &Host) {
        self.host_thread.store(this_thread(), Ordering::Relaxed);
        self.js.lock();
        self.host.store(host as *const Host as *mut Host, Ordering::Release);
    }

    /// The host thread stops serving: direct calls find no host from now on, and relayed calls
    /// are refused. It keeps the lock through the teardown; [`InProcess::release`] lets go.
    pub(crate) fn end(&self) {
        self.host.store(std::ptr::null_mut(), Ordering::Release);
        self.relay.close();
    }

    pub(crate) fn release(&self) {
        self.js.unlock();
    }

    /// The host thread, idle: lets go of the JS lock, so callers may run requests themselves,
    /// until the client wrote to the rings or hung up, `events` has tasks, a direct call changed
    /// the libuv loop, the loop's descriptor `uv` is readable or its `deadline` (next timer)
    /// passes; then takes the lock back. Meanwhile it serves the calls relayed to it. Answers
    /// whether the loop wants a turn (I/O or a timer). What woke it may be gone by then (a
    /// direct call read it, or ran the tasks): the host thread looks again under the lock.
    pub(crate) fn idle(&self, host: &Host, events: &EventQueue, uv: RawDescriptor, deadline: Option<Instant>) -> bool {
        self.js.unlock();
        let own_work = || self.mail.load(Ordering::SeqCst) || self.loop_changed.load(Ordering::SeqCst) || !events.is_empty();
        let mut loop_due = false;
        loop {
            if host.serve_relayed(&self.relay) {
                host.relayed_lately.set(true);
                // What the call left for the loop (a due timer, ready I/O) is looked at now and
                // then, as between requests.
                if host.loop_due_while_busy() {
                    loop_due = true;
                    break;
                }
                continue;
            }
            if host.relayed_lately.get() && self.look_for_relayed_call(&own_work) {
                continue;
            }
            // The bell is cleared before the flag goes up, never after: a ring that follows the
            // flag must stay heard.
            self.bell.clear();
            self.host_idle.store(true, Ordering::SeqCst);
            // After the flag (SeqCst, as the caller's side in `give_back`): an answer given back
            // from now on is freed by its caller, one given back before is freed here, and none
            // waits through the sleep.
            self.given_back.free();
            if self.relay.posted() {
                self.host_idle.store(false, Ordering::SeqCst);
                continue;
            }
            // Taken here, the mail and the loop's change are the caller's to act on: the host
            // thread idles on only when it slept and was rung for a relayed call alone.
            let sleeps = !self.mail.swap(false, Ordering::SeqCst) && !self.loop_changed.swap(false, Ordering::SeqCst) && events.is_empty();
            if sleeps {
                host.relayed_lately.set(false);
                let slept = platform::sleep_on([self.bell.fd(), events.fd(), uv], deadline);
                loop_due = slept.last_ready || (slept.timed_out && deadline.is_some());
            }
            self.host_idle.store(false, Ordering::SeqCst);
            if sleeps && self.relay.posted() {
                self.after_rung_for_relay();
                // Rung for a relayed call, and nothing else to do: serve it and idle on.
                if !loop_due && !own_work() {
                    continue;
                }
            }
            break;
        }
        // Taking the lock back from a caller that holds it, the calls it relays are served
        // meanwhile: it waits for them.
        let (due, serve) = self.relayed_errand(host);
        self.js.take_serving(due, serve);
        loop_due
    }

    /// The host thread, idle after serving relayed calls: looks for the next call before it
    /// sleeps, answering whether one came. In a loop of calls it comes within microseconds, and
    /// finds the host thread awake, spared the ring: a host thread woken from `poll` takes tens
    /// of microseconds to run on these VMs. What else wakes it meanwhile (`own_work`) ends the
    /// look but not the calls' burst: the host thread looks again once it has done that work,
    /// as it idles next. Work that follows every call would otherwise have it sleep between
    /// any two: napi-rs's async functions release a threadsafe function after their
    /// settlement, whose closing comes as an event just after the reply, and a loop of awaits
    /// rang the host thread awake at every call (half the awaits a second).
    fn look_for_relayed_call(&self, own_work: &impl Fn() -> bool) -> bool {
        // What the caller gives back of a call's answer once it converted it comes meanwhile:
        // freed here, where it was allocated (`given_back`).
        let next = || {
            self.given_back.free();
            self.relay.posted() || own_work()
        };
        spin_until(next, SPIN) && self.relay.posted()
    }

    /// The host thread, woken from its sleep by a caller that relays a call and waits for it,
    /// spinning: the kernel often wakes a thread on its waker's CPU, where the two would hand
    /// each call to each other by a switch for as long as the calls come. The host thread moves
    /// to an idle CPU, if there is one (`shared_cpu` says why, and what it cost).
    #[cold]
    fn after_rung_for_relay(&self) {
        self.woken_for_relay.fetch_add(1, Ordering::Relaxed);
        match self.ringer_cpu.swap(usize::MAX, Ordering::Relaxed) {
            usize::MAX => {}
            cpu => {
                shared_cpu::after_woken_by(cpu);
            }
        }
    }

    /// The host thread, between turns of events: lets the callers queued for the JS lock make
    /// their calls first (serving what they relay meanwhile). It lets go of the lock only when
    /// it idles, and a native thread's stream of threadsafe-function calls can keep it from ever
    /// idling: a Python thread's call then waited until the stream ended.
    pub(crate) fn let_queued_callers_in(&self, host: &Host) {
        if self.js.turn.queued() == 0 {
            return;
        }
        let (due, serve) = self.relayed_errand(host);
        self.js.hand_over_serving(due, serve);
    }

    /// The host thread's errand while it waits for the JS lock: whether a call was relayed to it
    /// (by the lock's holder, which waits for it), and serving it.
    fn relayed_errand<'a>(&'a self, host: &'a Host) -> (impl Fn() -> bool + 'a, impl FnMut() + 'a) {
        (
            || self.relay.posted(),
            || {
                host.serve_relayed(&self.relay);
            },
        )
    }

    /// A direct call changed the libuv loop (a timer, a descriptor to poll, a handle closing):
    /// wakes the host thread if it idles, to take that into its wait (`Host::after_direct_call`).
    pub(crate) fn loop_changed(&self) {
        // SeqCst as in `mail`.
        self.loop_changed.store(true, Ordering::SeqCst);
        self.ring_if_idle();
    }

    /// Takes in what the client queued: its segments mapped, its retired ones let go.
    #[inline]
    pub(crate) fn take_in_client_news(&self, host: &Host) {
        // A look first: nearly always there is nothing, and this is on every request.
        if self.has_client_news.load(Ordering::Acquire) {
            self.take_in_queued_news(host);
        }
    }

    #[cold]
    fn take_in_queued_news(&self, host: &Host) {
        for news in self.take_client_news() {
            match news {
                ClientNews::Segment { id, size, fd } => host.add_client_segment(id, size, fd),
                ClientNews::Retired(id) => host.rt.shm().remove_peer(id),
                ClientNews::Descriptor { id, fd } => host.add_client_descriptor(id, fd),
            }
        }
    }
}

/// The host's end of an in-process client: requests and replies of the host thread over the
/// rings, as for a host in another process, and news handed to the client directly.
pub struct InProcessPort {
    rings: RingsPort,
    shared: Arc<InProcess>,
}

impl InProcessPort {
    pub fn new(rings: RingsPort, shared: Arc<InProcess>) -> InProcessPort {
        InProcessPort { rings, shared }
    }
}

impl Port for InProcessPort {
    fn send(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.rings.send(msg)
    }

    fn send_later(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.rings.send_later(msg)
    }

    fn send_event(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.shared.event_calls.sent();
        self.rings.send_event(msg)
    }

    fn news(&mut self, news: News<'_>) -> Result<(), FrameError> {
        let sink = &self.shared.sink;
        match news {
            News::Segment { id, size, fd } => sink.segment(id, size, dup(fd)?),
            News::SegmentRetired(id) => sink.segment_retired(id),
            News::Returned(blocks) => sink.returned(blocks),
            News::DropPython(objects) => sink.drop_python(objects),
        }
        Ok(())
    }

    fn wait_readable(&mut self, also: Also<'_>, deadline: Option<Instant>) -> Woke {
        self.rings.wait_readable(also, deadline)
    }

    fn ready(&mut self) -> bool {
        self.rings.ready()
    }

    fn recv(&mut self) -> Result<ClientMessage, FrameError> {
        self.rings.recv()
    }

    fn take_fd(&mut self) -> Option<OwnedDescriptor> {
        self.rings.take_fd()
    }
}

fn dup(fd: BorrowedDescriptor<'_>) -> Result<OwnedDescriptor, FrameError> {
    Ok(fd.try_clone_to_owned()?)
}

/// On Windows every addon counts as having thread-local storage (its PE TLS directory is not
/// read yet): its calls stay on the host thread, the safe side of `has_thread_locals`.
#[cfg(windows)]
pub fn has_thread_locals(_path: &Path) -> bool {
    true
}

/// Who runs JS: the host thread, or a caller making a direct call. Re-entrant for the thread
/// that holds it (a Python callback of a direct call calling into the same host).
#[derive(Default)]
pub struct JsLock {
    turn: TurnLock,
    /// The holder (`this_thread`), 0 when none. Only the holder writes it; another thread only
    /// ever compares it with its own id, which it alone can have written.
    owner: AtomicUsize,
}

/// A hold on a `JsLock`, let go when dropped unless it is `nested` in an outer hold.
struct Held<'a> {
    lock: &'a JsLock,
    nested: bool,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if !self.nested {
            self.lock.unlock();
        }
    }
}

impl JsLock {
    fn held_here(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == this_thread()
    }

    /// Takes the lock if it is free and nobody queues for it (so that a caller calling in a loop
    /// cannot starve the host thread's events), or finds it held by this thread.
    fn try_hold(&self) -> Option<Held<'_>> {
        if self.held_here() {
            return Some(Held { lock: self, nested: true });
        }
        // `then`, not `then_some`: a `Held` made and dropped on failure would unlock the holder's lock.
        self.turn.try_take().then(|| self.took())
    }

    /// Takes the lock, queueing as long as another thread holds it, or finds it held here.
    fn hold(&self) -> Held<'_> {
        if self.held_here() {
            return Held { lock: self, nested: true };
        }
        self.lock();
        Held { lock: self, nested: false }
    }

    fn took(&self) -> Held<'_> {
        self.owner.store(this_thread(), Ordering::Relaxed);
        Held { lock: self, nested: false }
    }

    /// Takes the lock, queueing as long as another thread holds it.
    fn lock(&self) {
        self.take_serving(|| false, || {});
    }

    /// Takes the lock as `lock` does, running `errand` whenever `due` (see `TurnLock::take_or`).
    fn take_serving(&self, due: impl Fn() -> bool, errand: impl FnMut()) {
        self.turn.take_or(due, errand);
        self.owner.store(this_thread(), Ordering::Relaxed);
    }

    /// Lets the threads queued for the lock have it, then takes it back as `take_serving` does
    /// (`TurnLock::hand_over_or`).
    fn hand_over_serving(&self, due: impl Fn() -> bool, errand: impl FnMut()) {
        self.owner.store(0, Ordering::Relaxed);
        self.turn.hand_over_or(due, errand);
        self.owner.store(this_thread(), Ordering::Relaxed);
    }

    /// Wakes the threads waiting for the lock to look again (`TurnLock::wake_waiters`).
    fn wake_waiters(&self) {
        self.turn.wake_waiters();
    }

    /// Waits until the lock is free and nobody queues for it, without taking it.
    fn wait_free(&self) {
        self.turn.wait_free();
    }

    fn unlock(&self) {
        self.owner.store(0, Ordering::Relaxed);
        self.turn.release();
    }
}

/// Whether the ELF file at `path` has thread-local storage (a `PT_TLS` program header): its code
/// may then tell threads apart, so its calls must stay on the host thread. Unreadable or
/// unfamiliar files count as having it.
#[cfg(unix)]
pub fn has_thread_locals(path: &Path) -> bool {
    use std::os::unix::fs::FileExt;
    const PT_TLS: u32 = 7;
    // Only the ELF header and each program header's type are read, not the library.
    let Ok(file) = std::fs::File::open(path) else { return true };
    let mut header = [0u8; 64];
    // 64-bit little-endian ELF, the only kind this host loads.
    if file.read_exact_at(&mut header, 0).is_err() || header[..6] != [0x7f, b'E', b'L', b'F', 2, 1] {
        return true;
    }
    let phoff = u64::from_le_bytes(header[0x20..0x28].try_into().expect("8 bytes"));
    let phentsize = u64::from(u16::from_le_bytes([header[0x36], header[0x37]]));
    let phnum = u64::from(u16::from_le_bytes([header[0x38], header[0x39]]));
    let mut kind = [0u8; 4];
    (0..phnum).any(|i| {
        phoff.checked_add(i * phentsize).is_none_or(|at| file.read_exact_at(&mut kind, at).is_err() || u32::from_le_bytes(kind) == PT_TLS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicI64;

    #[test]
    fn a_caller_only_tries_a_lock_nobody_waits_for() {
        let js = Arc::new(JsLock::default());
        let first = js.try_hold().expect("free");
        assert!(!first.nested);
        assert!(js.try_hold().is_some_and(|h| h.nested), "held by this thread: nested");
        let theirs = js.clone();
        let (took, taken) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let host = std::thread::spawn(move || {
            assert!(theirs.try_hold().is_none(), "held by another thread");
            theirs.lock();
            took.send(()).unwrap();
            // Held until this thread is told: a timed hold let a descheduled caller find the lock
            // free at last and fail the check below.
            released.recv().unwrap();
            theirs.unlock();
        });
        while js.turn.queued() == 0 {
            std::thread::yield_now();
        }
        drop(first);
        // Free, but wanted: callers that only try keep off until the waiter has had its turn.
        while taken.try_recv().is_err() {
            assert!(js.try_hold().is_none(), "a caller took the lock another thread waits for");
        }
        release.send(()).unwrap();
        host.join().unwrap();
        assert!(js.try_hold().is_some_and(|h| !h.nested), "free again once the other thread lets go");
    }

    #[test]
    fn a_thread_asleep_on_the_lock_is_woken_when_it_is_freed() {
        let js = Arc::new(JsLock::default());
        let held = js.try_hold().unwrap();
        let theirs = js.clone();
        let waiter = std::thread::spawn(move || drop(theirs.hold()));
        while js.turn.sleepers() == 0 {
            std::thread::yield_now();
        }
        drop(held);
        waiter.join().unwrap();
        assert!(js.try_hold().is_some(), "let go by the waiter");
    }

    #[test]
    fn a_thread_waiting_for_the_lock_to_be_free_leaves_it_free() {
        let js = Arc::new(JsLock::default());
        let held = js.try_hold().unwrap();
        let theirs = js.clone();
        let (saw, seen) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            theirs.wait_free();
            saw.send(()).unwrap();
        });
        while js.turn.sleepers() == 0 {
            std::thread::yield_now();
        }
        assert!(seen.try_recv().is_err(), "done waiting while the lock was held");
        drop(held);
        waiter.join().unwrap();
        assert!(seen.try_recv().is_ok());
        assert!(js.try_hold().is_some_and(|h| !h.nested), "free: the waiter did not take it");
    }

    #[test]
    fn threads_asleep_on_the_lock_each_get_it_in_turn() {
        // Freed once with eight threads asleep on it: each of them gets it in turn, none left asleep.
        const SLEEPERS: usize = 8;
        let js = Arc::new(JsLock::default());
        let held = js.try_hold().unwrap();
        let (done, finished) = std::sync::mpsc::channel();
        let threads: Vec<_> = (0..SLEEPERS)
            .map(|i| {
                let (theirs, done) = (js.clone(), done.clone());
                std::thread::spawn(move || {
                    let hold = theirs.hold();
                    done.send(i).unwrap();
                    drop(hold);
                })
            })
            .collect();
        while js.turn.sleepers() < SLEEPERS {
            std::thread::yield_now();
        }
        drop(held);
        let mut got: Vec<usize> =
            (0..SLEEPERS).map(|_| finished.recv_timeout(std::time::Duration::from_secs(30)).expect("a sleeper was never woken")).collect();
        got.sort();
        assert_eq!(got, (0..SLEEPERS).collect::<Vec<_>>());
        threads.into_iter().for_each(|t| t.join().unwrap());
    }

    /// A minimal 64-bit ELF header with two program headers, the second of type `second` (7 is
    /// `PT_TLS`, thread-local storage).
    fn elf(second: u32) -> Vec<u8> {
        let mut b = vec![0u8; 0x40 + 2 * 0x38];
        b[..6].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1]);
        b[0x20..0x28].copy_from_slice(&0x40u64.to_le_bytes());
        b[0x36..0x38].copy_from_slice(&0x38u16.to_le_bytes());
        b[0x38..0x3a].copy_from_slice(&2u16.to_le_bytes());
        b[0x40..0x44].copy_from_slice(&1u32.to_le_bytes());
        b[0x78..0x7c].copy_from_slice(&second.to_le_bytes());
        b
    }

    /// Where an in-process host's news would go: nowhere (no host serves here).
    struct NoNews;

    impl NewsSink for NoNews {
        fn segment(&self, _: u32, _: u64, _: OwnedDescriptor) {}
        fn segment_retired(&self, _: u32) {}
        fn returned(&self, _: Vec<Region>) {}
        fn drop_python(&self, _: Vec<(PyRef, u64)>) {}
    }

    #[test]
    fn the_route_of_a_request_follows_its_caller_and_the_libraries_loaded() {
        let dir = std::env::temp_dir().join(format!("napi-route-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (plain, tls) = (dir.join("plain.node"), dir.join("tls.node"));
        std::fs::write(&plain, elf(1)).unwrap();
        std::fs::write(&tls, elf(7)).unwrap();
        let shared = InProcess::new(Box::new(NoNews)).unwrap();
        assert_eq!(shared.route(false), Route::Here);
        assert_eq!(shared.route(true), Route::HostThread, "made from a Python call that came by message");
        shared.loading(&plain);
        assert!(shared.takes_direct_calls(), "a library without thread-local storage keeps calls direct");
        shared.loading(&tls);
        assert_eq!(shared.route(false), Route::Relayed, "its load and everything after run on the host thread");
        assert!(!shared.takes_direct_calls());
        let held = shared.js.try_hold().expect("free");
        assert_eq!(shared.route(false), Route::Here, "the JS lock's holder runs what it asks for itself");
        assert_eq!(shared.route(true), Route::HostThread);
        drop(held);
        assert_eq!(shared.route(false), Route::Relayed);
        assert_eq!(shared.route(true), Route::HostThread, "made from a Python call that came by message");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn thread_local_storage_is_found_in_elf_program_headers() {
        let dir = std::env::temp_dir().join(format!("napi-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (with, without, text) = (dir.join("with.node"), dir.join("without.node"), dir.join("text.node"));
        std::fs::write(&with, elf(7)).unwrap();
        std::fs::write(&without, elf(1)).unwrap();
        std::fs::write(&text, b"not an ELF file").unwrap();
        assert!(has_thread_locals(&with));
        assert!(!has_thread_locals(&without));
        assert!(has_thread_locals(&text), "unfamiliar files stay on the host thread");
        assert!(has_thread_locals(&dir.join("missing.node")));
        let mut cut = elf(1);
        cut.truncate(0x60);
        std::fs::write(&without, cut).unwrap();
        assert!(has_thread_locals(&without), "program headers past the end");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn one_holder_at_a_time_under_contention() {
        let js = Arc::new(JsLock::default());
        let inside = Arc::new(AtomicI64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (js, inside) = (js.clone(), inside.clone());
                std::thread::spawn(move || {
                    for i in 0..20_000 {
                        let held = if (t + i) % 3 == 0 { js.try_hold() } else { Some(js.hold()) };
                        let Some(held) = held else { continue };
                        assert!(!held.nested);
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                        assert!(js.held_here());
                        let nested = js.hold();
                        assert!(nested.nested);
                        drop(nested);
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(held);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
    }
}
