//! A lock for taking turns, whose waiters either queue for it or wait until it is free without
//! taking it.
//!
//! The second kind of wait is what a thread holding Python's GIL needs: instead of taking the
//! lock without the GIL and then waiting for the GIL with the lock held (which makes the thread
//! that has the GIL find the lock busy in turn, so that many threads hand both over to one
//! another call by call), it waits for the lock to be free, takes the GIL back, and tries again.
//! The in-process host's JS lock is made of it (`inprocess::JsLock`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use napi_link::spin::{spin_until, SPIN};
use napi_runtime::events::JsLockWord;

/// A lock of one holder at a time, with no owner of its own: what holds it and for how long is
/// its user's to say.
#[derive(Default)]
pub struct TurnLock {
    /// Held, and whether the holder hushes the event queue that reads it too (`JsLockWord`).
    held: Arc<JsLockWord>,
    /// Threads queued in `TurnLock::take`: [`TurnLock::try_take`] and [`TurnLock::wait_free`]
    /// leave the lock to them, so that a thread taking it in a loop cannot starve them.
    wanted: AtomicUsize,
    /// Turns taken by threads that queued for them (counted off the path of a free lock): how
    /// [`TurnLock::hand_over_or`] knows that a queued thread had its turn.
    queued_turns: AtomicUsize,
    /// Threads asleep in [`TurnLock::wait_until`].
    sleepers: AtomicUsize,
    /// A sleeper went to sleep since the last wake-up: a release wakes the sleepers only then,
    /// not again for sleepers woken but not yet run (many threads on few CPUs).
    unwoken: AtomicBool,
    gate: Mutex<()>,
    freed: Condvar,
}

impl TurnLock {
    /// A lock made of `held`, a word an event queue reads too.
    pub fn on(held: Arc<JsLockWord>) -> TurnLock {
        TurnLock { held, ..TurnLock::default() }
    }

    /// Takes the lock if it is free and nobody queues for it, hushing its event queue while
    /// held if `hush`.
    #[inline]
    pub fn try_take(&self, hush: bool) -> bool {
        self.wanted.load(Ordering::SeqCst) == 0 && self.grab(hush)
    }

    #[inline]
    fn grab(&self, hush: bool) -> bool {
        self.held.take(hush)
    }

    pub fn is_held(&self) -> bool {
        self.held.is_held()
    }

    /// Whether the lock is free and nobody queues for it.
    fn is_free(&self) -> bool {
        !self.is_held() && self.wanted.load(Ordering::SeqCst) == 0
    }

    /// Queues for the lock until it has it: those that only try it keep off meanwhile.
    #[cfg(test)]
    pub fn take(&self) {
        self.take_or(false, || false, || {});
    }

    /// Queues for the lock until it has it, running `errand` whenever `due` says one waits
    /// (those that only try the lock keep off meanwhile): the in-process host thread taking its JS lock back serves
    /// the calls the lock's holder relays to it meanwhile (the holder waits for them, and
    /// [`TurnLock::wake_waiters`] wakes it for one). `hush` as in [`TurnLock::try_take`].
    pub fn take_or(&self, hush: bool, due: impl Fn() -> bool, mut errand: impl FnMut()) {
        if self.grab(hush) {
            return;
        }
        self.wanted.fetch_add(1, Ordering::SeqCst);
        loop {
            let mut got = false;
            self.wait_until(|| {
                got = !self.is_held() && self.grab(hush);
                got || due()
            });
            if got {
                break;
            }
            errand();
        }
        self.queued_turns.fetch_add(1, Ordering::SeqCst);
        self.wanted.fetch_sub(1, Ordering::SeqCst);
    }

    /// Lets go of the lock for the threads queued for it and takes it back once one of them
    /// took it (or none queues any more), running `errand` whenever `due` meanwhile (as
    /// [`TurnLock::take_or`]). A holder that let go and took the lock back at once would win it
    /// again and again over queued threads still waking up. For a holder that does not hush
    /// (the JS thread's own, the one a hush's end would wake).
    pub fn hand_over_or(&self, due: impl Fn() -> bool, mut errand: impl FnMut()) {
        let turns = self.queued_turns.load(Ordering::SeqCst);
        let hushed = self.release();
        debug_assert!(!hushed, "a hushing holder handed the lock over");
        loop {
            let mut handed = false;
            // Woken by the taker's release, or by `wake_waiters` for an errand.
            self.wait_until(|| {
                handed = self.queued_turns.load(Ordering::SeqCst) != turns || self.wanted.load(Ordering::SeqCst) == 0;
                handed || due()
            });
            if handed {
                break;
            }
            errand();
        }
        self.take_or(false, due, errand);
    }

    /// Wakes the threads asleep on the lock to look again at what they wait for (after the
    /// caller stored it, SeqCst).
    pub fn wake_waiters(&self) {
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let _gate = self.gate.lock().unwrap_or_else(|p| p.into_inner());
            self.freed.notify_all();
        }
    }

    /// Waits until the lock is free and nobody queues for it, without taking it.
    pub fn wait_free(&self) {
        self.wait_until(|| self.is_free());
    }

    /// How many threads queue in `TurnLock::take`.
    pub fn queued(&self) -> usize {
        self.wanted.load(Ordering::SeqCst)
    }

    /// How many threads sleep in [`TurnLock::wait_until`] (for tests).
    #[cfg(test)]
    pub fn sleepers(&self) -> usize {
        self.sleepers.load(Ordering::SeqCst)
    }

    /// Waits until `ready` (which may take the lock), looking again after every release: a few
    /// looks first, then asleep.
    fn wait_until(&self, mut ready: impl FnMut() -> bool) {
        // A turn is mostly over in a microsecond or two: look before sleeping.
        if spin_until(&mut ready, SPIN) {
            return;
        }
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let mut gate = self.gate.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            // SeqCst with `release`: either it sees this sleeper unwoken, or this sees what it
            // changed before.
            self.unwoken.store(true, Ordering::SeqCst);
            if ready() {
                break;
            }
            gate = self.freed.wait(gate).unwrap_or_else(|p| p.into_inner());
        }
        drop(gate);
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
    }

    /// Lets go of the lock, waking the threads asleep on it; answers whether the hold hushed
    /// its event queue (`JsLockWord::release`). Inlined (every direct call ends here), the
    /// wake-up out of line: nobody sleeps on the lock after nearly every call.
    #[inline]
    #[must_use]
    pub fn release(&self) -> bool {
        let hushed = self.held.release();
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            self.wake_sleepers();
        }
        hushed
    }

    #[cold]
    #[inline(never)]
    fn wake_sleepers(&self) {
        if self.unwoken.swap(false, Ordering::SeqCst) {
            let _gate = self.gate.lock().unwrap_or_else(|p| p.into_inner());
            // All of them, though only one takes the lock: each looks at what it waits for.
            self.freed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_holder_handing_over_takes_the_lock_back_only_after_a_queued_thread_had_its_turn() {
        let turn = Arc::new(TurnLock::default());
        let turns = Arc::new(AtomicUsize::new(0));
        assert!(turn.try_take(false));
        for round in 1..=100 {
            let (theirs, their_turns) = (turn.clone(), turns.clone());
            let queued = std::thread::spawn(move || {
                theirs.take();
                their_turns.fetch_add(1, Ordering::SeqCst);
                assert!(!theirs.release());
            });
            while turn.queued() == 0 {
                std::thread::yield_now();
            }
            // Taking it back at once would win it over the queued thread, asleep or waking.
            turn.hand_over_or(|| false, || {});
            assert_eq!(turns.load(Ordering::SeqCst), round, "taken back before the queued thread's turn");
            queued.join().unwrap();
        }
        assert!(!turn.release());
        assert!(turn.is_free());
    }

    #[test]
    fn a_wait_for_the_lock_to_be_free_ends_at_its_release() {
        let turn = Arc::new(TurnLock::default());
        assert!(turn.try_take(false));
        assert!(!turn.try_take(false), "one holder at a time");
        let theirs = turn.clone();
        let waiter = std::thread::spawn(move || theirs.wait_free());
        while turn.sleepers() == 0 {
            std::thread::yield_now();
        }
        assert!(!turn.release());
        waiter.join().unwrap();
        assert!(turn.try_take(false), "the waiter did not take it");
    }

    #[test]
    fn sleepers_mixing_both_waits_are_each_woken() {
        // Threads queueing for the lock, trying it, and only waiting for it to be free, on more
        // threads than CPUs: none is left asleep (a lost wake-up would hang the joins).
        let turn = Arc::new(TurnLock::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (turn, inside) = (turn.clone(), inside.clone());
                std::thread::spawn(move || {
                    for i in 0..5_000 {
                        match (t + i) % 4 {
                            0 => {
                                turn.wait_free();
                                continue;
                            }
                            1 if !turn.try_take(false) => continue,
                            1 => {}
                            _ => turn.take(),
                        }
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                        inside.fetch_sub(1, Ordering::SeqCst);
                        assert!(!turn.release());
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert!(turn.is_free());
    }

    #[test]
    fn a_queued_thread_keeps_those_that_only_try_off_until_it_had_its_turn() {
        let turn = Arc::new(TurnLock::default());
        assert!(turn.try_take(false));
        let theirs = turn.clone();
        let (took, taken) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let queued = std::thread::spawn(move || {
            theirs.take();
            took.send(()).unwrap();
            released.recv().unwrap();
            assert!(!theirs.release());
        });
        while turn.queued() == 0 {
            std::thread::yield_now();
        }
        assert!(!turn.release());
        // Free, but wanted: those that only try keep off until the queued thread took it.
        while taken.try_recv().is_err() {
            assert!(!turn.try_take(false), "taken from under a queued thread");
        }
        release.send(()).unwrap();
        queued.join().unwrap();
        assert!(turn.is_free(), "nobody wants it once the queued thread had its turn");
        assert!(turn.try_take(false));
    }
}
