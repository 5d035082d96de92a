//! The JS lock ([`JsLock`]): who runs JS, the host thread or a caller making a direct call.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::turn_lock::TurnLock;
use napi_runtime::current::this_thread;
use napi_runtime::events::EventQueue;

/// Who runs JS: the host thread, or a caller making a direct call. Re-entrant for the thread
/// that holds it (a Python callback of a direct call calling into the same host). A caller's
/// hold hushes the host's event queue, made under the lock's word (`JsLockWord` says why and
/// how); the host thread's own holds do not.
pub(crate) struct JsLock {
    pub(super) turn: TurnLock,
    /// The holder (`this_thread`), 0 when none. Only the holder writes it; another thread only
    /// ever compares it with its own id, which it alone can have written.
    owner: AtomicUsize,
    /// The host's event queue, which reads the lock's word: rung at a hush's end if needed.
    pub(super) events: Arc<EventQueue>,
}

impl JsLock {
    /// A lock whose callers' holds hush `events` (a queue made under a word of its own).
    pub(super) fn new(events: Arc<EventQueue>) -> JsLock {
        JsLock { turn: TurnLock::on(events.js_lock().clone()), owner: AtomicUsize::new(0), events }
    }
}

/// A hold on a `JsLock`, let go when dropped unless it is `nested` in an outer hold.
pub(super) struct JsLockHeld<'a> {
    lock: &'a JsLock,
    pub(super) nested: bool,
}

/// A hold on the JS lock without the lock's address, made only by the lock's takes: what a
/// direct call passes down to where it becomes a `JsLockHeld` again ([`JsLock::held`]), one
/// argument fewer than the hold on every direct call's way in (the lock is its host's). It
/// lets go of nothing itself: one dropped before it became a `JsLockHeld` leaves the lock held.
#[must_use]
pub(super) struct Hold {
    nested: bool,
}

impl Hold {
    const NESTED: Hold = Hold { nested: true };
}

impl Drop for JsLockHeld<'_> {
    fn drop(&mut self) {
        if !self.nested {
            self.lock.unlock();
        }
    }
}

impl JsLock {
    pub(super) fn held_here(&self) -> bool {
        self.held_by(this_thread())
    }

    /// Whether the thread `me` (its `this_thread`) holds the lock: for a caller that reads its
    /// thread pointer once for all it asks.
    #[inline(always)]
    pub(super) fn held_by(&self, me: usize) -> bool {
        self.owner.load(Ordering::Relaxed) == me
    }

    /// Takes the lock if it is free and nobody queues for it (so that a caller calling in a loop
    /// cannot starve the host thread's events), or finds it held by this thread (the tests'
    /// way of `try_take_as`).
    #[cfg(test)]
    pub(super) fn try_hold(&self) -> Option<JsLockHeld<'_>> {
        let me = this_thread();
        if self.held_by(me) {
            return Some(self.held(Hold::NESTED));
        }
        self.try_take_as(me).map(|hold| self.held(hold))
    }

    /// `try_hold`'s take, for the thread `me`, which does not hold the lock, as a `Hold`.
    #[inline(always)]
    pub(super) fn try_take_as(&self, me: usize) -> Option<Hold> {
        // `then`, not `then_some`: the owner is written only once the lock is taken.
        self.turn.try_take(true).then(|| self.took(me))
    }

    /// Takes the lock for a caller, queueing as long as another thread holds it, or finds it
    /// held here.
    pub(super) fn hold(&self) -> JsLockHeld<'_> {
        self.held(self.wait_hold())
    }

    /// `hold`, as a `Hold`.
    pub(super) fn wait_hold(&self) -> Hold {
        let me = this_thread();
        if self.held_by(me) {
            return Hold::NESTED;
        }
        self.turn.take_or(true, || false, || {});
        self.took(me)
    }

    /// The hold of a thread that holds the lock already (`held_by`): let go by the outer hold alone.
    #[inline(always)]
    pub(super) fn nested_hold(&self) -> Hold {
        Hold::NESTED
    }

    /// The lock held as `hold` says: let go when dropped, unless nested.
    #[inline(always)]
    pub(super) fn held(&self, hold: Hold) -> JsLockHeld<'_> {
        JsLockHeld { lock: self, nested: hold.nested }
    }

    #[inline(always)]
    fn took(&self, me: usize) -> Hold {
        self.owner.store(me, Ordering::Relaxed);
        Hold { nested: false }
    }

    /// Takes the lock for the host thread (no hush), queueing as long as another thread holds it.
    pub(super) fn lock(&self) {
        self.take_serving(|| false, || {});
    }

    /// Takes the lock as `lock` does, running `errand` whenever `due` (see `TurnLock::take_or`).
    pub(super) fn take_serving(&self, due: impl Fn() -> bool, errand: impl FnMut()) {
        self.turn.take_or(false, due, errand);
        self.owner.store(this_thread(), Ordering::Relaxed);
    }

    /// Lets the threads queued for the lock have it, then takes it back as `take_serving` does
    /// (`TurnLock::hand_over_or`).
    pub(super) fn hand_over_serving(&self, due: impl Fn() -> bool, errand: impl FnMut()) {
        self.owner.store(0, Ordering::Relaxed);
        self.turn.hand_over_or(due, errand);
        self.owner.store(this_thread(), Ordering::Relaxed);
    }

    /// Wakes the threads waiting for the lock to look again (`TurnLock::wake_waiters`).
    pub(super) fn wake_waiters(&self) {
        self.turn.wake_waiters();
    }

    /// Waits until the lock is free and nobody queues for it, without taking it.
    pub(super) fn wait_free(&self) {
        self.turn.wait_free();
    }

    pub(super) fn unlock(&self) {
        self.owner.store(0, Ordering::Relaxed);
        if self.turn.release() {
            self.events.hush_ended();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicI64;
    use std::sync::Arc;

    #[test]
    fn a_caller_only_tries_a_lock_nobody_waits_for() {
        let js = Arc::new(JsLock::new(Arc::new(EventQueue::new().unwrap())));
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
        let js = Arc::new(JsLock::new(Arc::new(EventQueue::new().unwrap())));
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
        let js = Arc::new(JsLock::new(Arc::new(EventQueue::new().unwrap())));
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
        let js = Arc::new(JsLock::new(Arc::new(EventQueue::new().unwrap())));
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

    #[test]
    fn one_holder_at_a_time_under_contention() {
        let js = Arc::new(JsLock::new(Arc::new(EventQueue::new().unwrap())));
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

    #[test]
    fn tasks_posted_while_callers_hold_the_lock_each_reach_the_js_thread() {
        // A caller taking the lock again and again (each hold hushes the doorbell) while
        // another thread posts tasks one at a time and waits for each to run: the JS thread
        // sleeps on the doorbell alone, so a post hushed and never rung at its hold's end
        // would leave it asleep past the deadline.
        const TASKS: usize = 2_000;
        let js = Arc::new(JsLock::new(Arc::new(EventQueue::new().unwrap())));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let caller = {
            let (js, done) = (js.clone(), done.clone());
            std::thread::spawn(move || {
                let mut holds = 0u64;
                while !done.load(Ordering::SeqCst) {
                    if let Some(held) = js.try_hold() {
                        holds += 1;
                        drop(held);
                    }
                }
                holds
            })
        };
        let js_thread = {
            let (js, done) = (js.clone(), done.clone());
            std::thread::spawn(move || {
                let rt = napi_runtime::Runtime::new(Box::new(napi_runtime::NoNative));
                while !done.load(Ordering::SeqCst) {
                    js.events.wait(std::time::Duration::from_secs(3600));
                    js.lock();
                    js.events.take().into_iter().for_each(|task| task(&rt));
                    js.unlock();
                }
            })
        };
        let (ran, runs) = std::sync::mpsc::channel();
        for i in 0..TASKS {
            let ran = ran.clone();
            js.events.post(Box::new(move |_| ran.send(i).unwrap()));
            let got = runs.recv_timeout(std::time::Duration::from_secs(20)).expect("a task posted under a hush was never run");
            assert_eq!(got, i);
        }
        let stop = done.clone();
        js.events.post(Box::new(move |_| stop.store(true, Ordering::SeqCst)));
        js_thread.join().unwrap();
        assert!(caller.join().unwrap() > 0, "the caller never held the lock");
    }
}
