//! What an in-process caller gives back to the host thread to free: the leftovers of an answer
//! the host thread allocated (a relayed call's protocol tree, its containers, keys and strings,
//! once the caller has made its Python objects of it). Freed by the caller, each allocation went
//! back to the host thread's malloc arena from another thread, taking the arena's lock and
//! moving its lines between the CPUs, on the caller's way back to Python; the host thread frees
//! them in its own arena while it waits for the next call.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use napi_protocol::Outcome;

/// More than this many answers waiting to be freed (a host thread kept busy elsewhere): the
/// caller frees the next ones itself, so that what waits stays bounded.
const MOST_WAITING: usize = 64;

#[derive(Default)]
pub(crate) struct GivenBack {
    /// Whether `waiting` has anything: looked at without the lock while the host thread spins.
    any: AtomicBool,
    waiting: Mutex<Vec<Outcome>>,
    /// Answers left to the host thread so far (for tests).
    given: AtomicU64,
}

impl GivenBack {
    /// Caller: leaves `outcome` to the host thread to free.
    pub(crate) fn give(&self, outcome: Outcome) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        if waiting.len() >= MOST_WAITING {
            drop(waiting);
            drop(outcome);
            return;
        }
        waiting.push(outcome);
        // SeqCst: see `InProcess::give_back`.
        self.any.store(true, Ordering::SeqCst);
        self.given.fetch_add(1, Ordering::Relaxed);
    }

    /// How many answers callers left to the host thread so far, and how many wait to be freed.
    pub(crate) fn counts(&self) -> (u64, usize) {
        (self.given.load(Ordering::Relaxed), self.waiting.lock().unwrap_or_else(|p| p.into_inner()).len())
    }

    /// Frees what callers gave back, if anything (the host thread; a caller that finds it asleep).
    #[inline]
    pub(crate) fn free(&self) {
        if self.any.load(Ordering::SeqCst) {
            self.free_waiting();
        }
    }

    #[cold]
    fn free_waiting(&self) {
        let waiting = {
            let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
            self.any.store(false, Ordering::Relaxed);
            std::mem::take(&mut *waiting)
        };
        // Freed with the lock let go: a caller giving back meanwhile does not wait for it.
        drop(waiting);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use napi_protocol::Value;

    #[test]
    fn what_is_given_back_waits_for_the_host_thread_and_stays_bounded() {
        let given = GivenBack::default();
        let answer = || Outcome::Ok(Value::Object(vec![("code".into(), Value::String("a{color:red}".into()))]));
        given.give(answer());
        assert_eq!(given.counts(), (1, 1));
        given.free();
        assert_eq!(given.counts(), (1, 0));
        assert!(!given.any.load(Ordering::Relaxed));
        for _ in 0..MOST_WAITING + 10 {
            given.give(answer());
        }
        assert_eq!(given.waiting.lock().unwrap().len(), MOST_WAITING, "the caller freed the rest itself");
        given.free();
        assert!(given.waiting.lock().unwrap().is_empty());
    }
}
