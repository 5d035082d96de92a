//! Whether the host is busy with requests already sent. It serves one at a time, so a new
//! top-level request sent meanwhile only queues there, its thread asleep without the GIL until
//! its reply (or its request's Python call) comes, then waiting for the GIL again, the host
//! waiting with it for a Python call. With many threads that was a convoy that never ended by
//! itself: every call a wake-up and two hand-offs of the GIL. A thread about to send such a
//! request waits here instead, without the GIL, so that the threads the host is busy with can
//! have it (`by_message::before_top_request`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
pub(super) struct Busy {
    /// Requests sent and not answered, every thread's (nested ones, and those whose waiter gave
    /// up, included): `Chains::outstanding`, set under the channel state's lock.
    in_flight: AtomicU64,
    /// Python calls and cycle questions the host sent and waits for the answers of. While one
    /// is owed the host answers nothing else, and the thread that owes it needs the GIL.
    owed: AtomicU64,
    /// Threads in `wait_free`.
    waiters: AtomicU64,
    /// How many times they were woken: each waits for the next time, not for the host to be
    /// free when it looks (the thread holding the GIL may have made it busy again by then).
    woken: Mutex<u64>,
    free: Condvar,
    /// How many times a thread waited in `wait_free` (for tests).
    pub held_back: AtomicU64,
}

impl Busy {
    /// Whether a Python call (or a cycle question) is owed.
    #[inline]
    pub fn owed(&self) -> bool {
        self.owed.load(Ordering::SeqCst) > 0
    }

    /// Whether the host has a request to answer or waits for a Python call's answer.
    #[inline]
    pub fn busy(&self) -> bool {
        self.owed() || self.in_flight.load(Ordering::SeqCst) > 0
    }

    /// Requests sent and not answered.
    #[inline]
    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::SeqCst)
    }

    pub fn owe(&self) {
        self.owed.fetch_add(1, Ordering::SeqCst);
    }

    /// A Python call (or cycle question) was answered.
    pub fn paid(&self) {
        let _ = self.owed.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        self.wake_if_free();
    }

    /// The requests sent and not answered are now `n`.
    pub fn set_in_flight(&self, n: usize) {
        self.in_flight.store(n as u64, Ordering::SeqCst);
        self.wake_if_free();
    }

    fn wake_if_free(&self) {
        if !self.busy() {
            self.wake_all();
        }
    }

    /// Wakes every thread in `wait_free` (the host went free, or is gone): each waits for this
    /// once, and then for the GIL as any Python thread does.
    pub fn wake_all(&self) {
        if self.waiters.load(Ordering::SeqCst) > 0 {
            *self.woken.lock().unwrap() += 1;
            self.free.notify_all();
        }
    }

    /// Waits until the host goes free, `at_most`, or `gone` says so; without the GIL.
    pub fn wait_free(&self, at_most: Duration, gone: impl Fn() -> bool) {
        self.held_back.fetch_add(1, Ordering::Relaxed);
        let until = Instant::now() + at_most;
        let mut woken = self.woken.lock().unwrap();
        // Counted under the lock before the host is looked at: a change after the look is
        // followed by `wake_all`, which then sees the waiter and takes the lock to ring.
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let start = *woken;
        while *woken == start && self.busy() && !gone() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            woken = self.free.wait_timeout(woken, left).unwrap().0;
        }
        self.waiters.fetch_sub(1, Ordering::SeqCst);
    }
}
