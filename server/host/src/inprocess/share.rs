//! What an in-process host and its client share ([`InProcess`]), and the ring that wakes the
//! host thread.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_utils::CachePadded;
use napi_link::shared_cpu;
use napi_link::shm::OwnedDescriptor;
use napi_protocol::{Outcome, PyRef, Region};
use napi_runtime::events::{Doorbell, EventQueue};
use napi_runtime::pending::PendingWork;

use crate::Host;

use super::event_calls::EventCalls;
use super::given_back::GivenBack;
use super::js_lock::JsLock;
use super::relay::Relay;
use super::relay_line::RelayLine;
use napi_runtime::current::this_thread;

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

/// News of the client's own segments, queued for the host.
pub(super) enum ClientNews {
    Segment { id: u32, size: u64, fd: OwnedDescriptor },
    Retired(u32),
    Descriptor { id: u32, fd: OwnedDescriptor },
}

/// What an in-process host and its client share.
pub struct InProcess {
    /// Held by whoever runs JS: the host thread, or a caller making a direct call. It and the
    /// line and flag below are written on every call a caller makes: each on a cache line of
    /// its own, away from what the host thread looks at while it waits for the next call.
    pub(super) js: CachePadded<JsLock>,
    /// The host while it serves (set and cleared under `js`).
    pub(super) host: AtomicPtr<Host>,
    /// A library with thread-local storage was loaded (or is being loaded): every request goes
    /// to the host thread.
    pub(super) calls_stay_on_host_thread: AtomicBool,
    /// Where callers post the calls the host thread runs for them (`relay`).
    pub(super) relay: Relay,
    /// Where they wait for their turn to (ahead of the JS lock, which the turn's holder takes).
    pub(super) line: CachePadded<RelayLine>,
    /// The JS lock's holder relays its calls (set and read by that holder only).
    pub(super) relaying: CachePadded<AtomicBool>,
    pub(super) client_news: Mutex<Vec<ClientNews>>,
    /// The host runtime's "anything pending" word: `CLIENT_NEWS` says `client_news` has
    /// anything, looked at without the lock on every request, beside the host's own sources.
    pub(crate) pending: Arc<PendingWork>,
    pub(super) sink: Box<dyn NewsSink>,
    /// The client wrote to the rings (or hung up) since the host thread last looked.
    pub(super) mail: AtomicBool,
    /// A direct call changed the libuv loop since the host thread last looked.
    pub(super) loop_changed: AtomicBool,
    /// The host thread sleeps on `bell` (or is about to): only then does the client ring it.
    pub(super) host_idle: AtomicBool,
    pub(super) bell: Doorbell,
    /// The CPU the thread that last rang the host thread awake ran on (`usize::MAX`: none).
    pub(super) ringer_cpu: AtomicUsize,
    /// How many times the host thread was woken from its sleep to serve a relayed call.
    pub(super) woken_for_relay: AtomicU64,
    /// The host thread (`this_thread`), 0 until it begins to serve.
    pub(super) host_thread: AtomicUsize,
    /// The host thread's event turns calling Python themselves, in order with the dispatcher.
    pub(super) event_calls: EventCalls,
    /// Relayed calls' answers their callers are done with, for the host thread to free.
    pub(super) given_back: CachePadded<GivenBack>,
    /// The host's JS thread is the thread that started it (`js_thread`), set before it starts.
    pub(super) js_thread_is_callers: AtomicBool,
    /// Work waits for that JS thread; looked at before each of its top-level calls.
    pub(super) js_due: CachePadded<AtomicBool>,
    /// Where that JS thread sleeps while it waits in a wait of the host's.
    pub(super) js_bell: Doorbell,
    /// That JS thread ended without closing the host: what waits for it is refused.
    pub(super) js_thread_ended: AtomicBool,
}

impl InProcess {
    pub fn new(sink: Box<dyn NewsSink>) -> std::io::Result<Arc<InProcess>> {
        // The host's event queue, made here for the JS lock to hush it (the runtime is made
        // with it later, on the host thread).
        let events = Arc::new(EventQueue::new()?);
        Ok(Arc::new(InProcess {
            js: CachePadded::new(JsLock::new(events)),
            host: AtomicPtr::new(std::ptr::null_mut()),
            calls_stay_on_host_thread: AtomicBool::new(false),
            relay: Relay::default(),
            line: CachePadded::default(),
            relaying: CachePadded::new(AtomicBool::new(false)),
            client_news: Mutex::new(Vec::new()),
            pending: PendingWork::new(),
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
            js_thread_is_callers: AtomicBool::new(false),
            js_due: CachePadded::new(AtomicBool::new(false)),
            js_bell: Doorbell::new()?,
            js_thread_ended: AtomicBool::new(false),
        }))
    }

    /// The event queue of the host's runtime, which the JS lock hushes ([`JsLock`]).
    pub(crate) fn events(&self) -> &Arc<EventQueue> {
        &self.js.events
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
    pub(super) fn ring_if_idle(&self) -> bool {
        // A look first: the swap would take the line the host thread writes, on every call.
        let idle = self.host_idle.load(Ordering::SeqCst) && self.host_idle.swap(false, Ordering::SeqCst);
        if idle {
            self.ringer_cpu.store(shared_cpu::this_cpu().unwrap_or(usize::MAX), Ordering::Relaxed);
            self.bell.ring();
        }
        idle
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

    /// The host thread's event turns and the client's event dispatcher.
    pub fn event_calls(&self) -> &EventCalls {
        &self.event_calls
    }

    /// Whether this is the host thread.
    pub fn on_host_thread(&self) -> bool {
        self.is_host_thread(this_thread())
    }

    /// Whether `me` (a thread's `this_thread`) is the host thread.
    #[inline(always)]
    pub(super) fn is_host_thread(&self, me: usize) -> bool {
        self.host_thread.load(Ordering::Relaxed) == me
    }

    /// Whether this thread holds the JS lock (it is inside a direct call: a request it makes now
    /// is nested in that call).
    pub fn held_here(&self) -> bool {
        self.js.held_here()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Where an in-process host's news would go: nowhere (no host serves here).
    pub(in crate::inprocess) struct NoNews;

    impl NewsSink for NoNews {
        fn segment(&self, _: u32, _: u64, _: OwnedDescriptor) {}
        fn segment_retired(&self, _: u32) {}
        fn returned(&self, _: Vec<Region>) {}
        fn drop_python(&self, _: Vec<(PyRef, u64)>) {}
    }
}
