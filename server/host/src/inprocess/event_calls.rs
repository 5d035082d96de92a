//! In-process, the Python calls of the host thread's event turns (async-work completions,
//! libuv callbacks, threadsafe functions) run on the host thread itself, which takes the GIL for
//! them, as node runs such callbacks on its loop's own thread: no message to the client's event
//! dispatcher and no answer back, two thread hand-offs a call (D73).
//!
//! Promise settlements and uncaught exceptions of such turns are delivered there too, by the same
//! rule, the settled value walked straight into Python objects.
//!
//! Events keep their order. The dispatcher still runs what the host sends it (Python calls,
//! settlements and uncaught exceptions whenever the host thread cannot take them, and those of
//! turns on other threads), so the host thread runs one only when the dispatcher has finished
//! everything sent before it, and the dispatcher starts nothing new while it does: it runs each
//! batch of events holding `dispatching`, which an inline call holds throughout.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::turn::EventCaller;

/// The host thread's inline calls and the dispatcher's turns, kept in order.
#[derive(Default)]
pub struct EventCalls {
    caller: OnceLock<Box<dyn EventCaller>>,
    /// Events the host sent the dispatcher, and those it has finished running.
    sent: AtomicU64,
    finished: AtomicU64,
    /// Held by the dispatcher while it runs a batch, and by the host thread through an inline call.
    dispatching: Mutex<()>,
}

impl EventCalls {
    /// Lets the host thread make its event turns' Python calls itself through `caller`, from now on.
    pub fn set_caller(&self, caller: Box<dyn EventCaller>) {
        if self.caller.set(caller).is_err() {
            tracing::warn!("the in-process host's event caller was set twice; the first stays");
        }
    }

    /// The dispatcher begins a batch of events it read: held until they have all run.
    pub fn dispatching(&self) -> MutexGuard<'_, ()> {
        self.dispatching.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The dispatcher has finished `n` events it read (run, or set aside), its hold let go.
    pub fn finished(&self, n: u64) {
        // Release: a host thread that sees the count also sees `dispatching` let go.
        self.finished.fetch_add(n, Ordering::Release);
    }

    /// An event is on its way to the dispatcher (the JS lock's holder sends it).
    pub(crate) fn sent(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// How many events were sent so far: a mark `finished_up_to` tells the dispatcher passed.
    pub(crate) fn sent_so_far(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Whether the dispatcher has finished every event sent before `sent_so_far` answered `mark`.
    pub(crate) fn finished_up_to(&self, mark: u64) -> bool {
        self.finished.load(Ordering::Acquire) >= mark
    }

    /// The caller, with the dispatcher held off, if the dispatcher has nothing in hand: every
    /// event sent was finished (only the JS lock's holder, this thread, sends any).
    pub(crate) fn inline(&self) -> Option<(MutexGuard<'_, ()>, &dyn EventCaller)> {
        let caller = self.caller()?;
        if self.finished.load(Ordering::Acquire) != self.sent.load(Ordering::Relaxed) {
            return None;
        }
        let held = self.dispatching.try_lock().ok()?;
        Some((held, caller))
    }

    /// The caller, for a call nested in an inline call (which holds the dispatcher off already).
    pub(crate) fn caller(&self) -> Option<&dyn EventCaller> {
        self.caller.get().map(|c| c.as_ref())
    }
}
