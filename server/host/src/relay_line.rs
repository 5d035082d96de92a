//! The line of Python threads waiting to relay a call to an in-process host thread (`relay`).
//!
//! A relayed call holds the JS lock while the host thread runs it, so callers take turns. The
//! JS lock's own waits suit direct calls, which are over in a microsecond or two: its waiters
//! look again at every release and are all woken by it. A relayed call takes longer (two
//! hand-offs between threads at least, one more per Python callback), and many threads waiting
//! that way for it woke each other at every call and fought over the GIL to look again: 16
//! threads relaying calls to a Rust addon made a fifth of one thread's calls. The line instead
//! serves its callers in the order they came, each asleep until the one before hands it the
//! turn: one wake-up per call, and only of the thread whose turn it is.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::Thread;

use napi_link::spin::{spin_until, SPIN};
use napi_runtime::sync::lock;

/// One caller at a time, first come first served.
#[derive(Default)]
pub struct RelayLine {
    state: Mutex<LineState>,
}

#[derive(Default)]
struct LineState {
    /// A caller has the turn.
    taken: bool,
    waiting: VecDeque<Arc<Waiter>>,
}

/// A caller asleep in the line, and how the one before it hands it the turn.
struct Waiter {
    turn: AtomicBool,
    thread: Thread,
}

impl RelayLine {
    /// Takes the turn if nobody has it (nor, then, waits for it).
    pub fn try_enter(&self) -> Option<Turn<'_>> {
        let mut state = lock(&self.state);
        // `then`, not `then_some`: a `Turn` made and dropped on failure would hand on the turn
        // its holder has (and take the lock held here).
        (!std::mem::replace(&mut state.taken, true)).then(|| Turn(self))
    }

    /// Takes the turn, waiting behind those who came first.
    pub fn enter(&self) -> Turn<'_> {
        let (me, next) = {
            let mut state = lock(&self.state);
            if !std::mem::replace(&mut state.taken, true) {
                return Turn(self);
            }
            let me = Arc::new(Waiter { turn: AtomicBool::new(false), thread: std::thread::current() });
            state.waiting.push_back(me.clone());
            (me, state.waiting.len() == 1)
        };
        // The next in line looks before sleeping: the turn before is mostly over in a few
        // microseconds. Those behind it sleep at once, leaving the CPUs to the threads at work.
        if !(next && spin_until(|| me.turn.load(Ordering::Acquire), SPIN)) {
            // A spurious wake-up (or an unpark meant for an earlier wait of this thread) looks again.
            while !me.turn.load(Ordering::Acquire) {
                std::thread::park();
            }
        }
        Turn(self)
    }

    /// How many callers wait for the turn.
    pub fn waiting(&self) -> usize {
        lock(&self.state).waiting.len()
    }

    /// Hands the turn to the first caller waiting, or leaves it free.
    fn leave(&self) {
        let next = {
            let mut state = lock(&self.state);
            let next = state.waiting.pop_front();
            state.taken = next.is_some();
            next
        };
        if let Some(next) = next {
            next.turn.store(true, Ordering::Release);
            next.thread.unpark();
        }
    }
}

/// A caller's turn in the line, handed on when dropped: a call that unwinds leaves nobody
/// behind it waiting for ever.
pub struct Turn<'a>(&'a RelayLine);

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.0.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn a_turn_unwound_is_handed_on() {
        let line = Arc::new(RelayLine::default());
        let theirs = line.clone();
        let unwound = std::thread::spawn(move || {
            let _turn = theirs.enter();
            panic!("a call that unwinds");
        });
        assert!(unwound.join().is_err());
        assert!(line.try_enter().is_some(), "the turn was left taken");
    }

    #[test]
    fn one_caller_at_a_time_and_nobody_left_waiting() {
        let line = Arc::new(RelayLine::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (line, inside) = (line.clone(), inside.clone());
                std::thread::spawn(move || {
                    for i in 0..5_000 {
                        let turn = if (t + i) % 3 == 0 { line.try_enter() } else { Some(line.enter()) };
                        let Some(_turn) = turn else { continue };
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two callers had the turn");
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        // A lost hand-over would leave a thread asleep and hang its join.
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert!(line.try_enter().is_some(), "the turn is free once everyone left");
    }

    #[test]
    fn callers_get_the_turn_in_the_order_they_came() {
        let line = Arc::new(RelayLine::default());
        let first = line.try_enter().expect("a free line");
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut threads = Vec::new();
        for n in 0..4 {
            let (theirs, order) = (line.clone(), order.clone());
            threads.push(std::thread::spawn(move || {
                let _turn = theirs.enter();
                order.lock().unwrap().push(n);
            }));
            // The next thread comes only once this one waits in the line.
            while line.waiting() < n + 1 {
                std::thread::yield_now();
            }
        }
        assert!(line.try_enter().is_none(), "taken while callers wait");
        drop(first);
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3]);
    }
}
