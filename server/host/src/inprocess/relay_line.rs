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
//!
//! Handing every turn to a sleeper formed a convoy of its own: a caller that found the line
//! busy let the GIL go to sleep in it, the thread that took the GIL then found it busy in turn,
//! and soon every call of every thread paid a wake-up in the line and a hand-over of the GIL
//! (16 threads made a tenth of one thread's calls). So the caller that holds the GIL looks for
//! the turn for a moment before it joins the line (`try_enter_holding_gil`), and a turn that ends
//! while it looks goes to it rather than to a sleeper: it is the one thread that can use the turn
//! at once, without waiting for the GIL after it. The sleepers still get a turn at least every
//! `LINE_TURN_EVERY`, as CPython's own switch interval bounds a GIL waiter's wait, and each then
//! waits for the GIL as a CPython thread does: the line empties into the GIL's queue, the one a
//! Python program's threads wait in anyway.
//!
//! A turn whose call runs Python code on its caller's thread (callbacks) may need the GIL back
//! before it ends: CPython makes that code let the GIL go at its switch interval. The caller
//! that holds the GIL then does not look: it lets the GIL go and sleeps until the turn is let go
//! (`wait_let_go`), then looks again with the GIL; it joins the line only after 5 ms of that.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::Thread;
use std::time::{Duration, Instant};

use napi_link::spin::{spin_until, SPIN};
use napi_runtime::sync::lock;

/// While the GIL's holder looks for the turn, the longest the first caller asleep in the line
/// waits for one.
const LINE_TURN_EVERY: Duration = Duration::from_millis(1);

/// One caller at a time: first come first served, but for the GIL's holder (see above).
pub struct RelayLine {
    state: Mutex<LineState>,
    /// `state.taken`, for the GIL's holder to look at without the lock while it waits.
    busy: AtomicBool,
}

struct LineState {
    /// A caller has the turn.
    taken: bool,
    waiting: VecDeque<Arc<Waiter>>,
    /// The GIL's holder looks for the turn (one thread at most: the GIL has one holder).
    holder_of_gil_looks: bool,
    /// When a turn last went to the line's sleepers.
    line_served: Instant,
    /// Turns handed to a caller asleep in the line, so far.
    handed: u64,
    /// Callers asleep until the turn is let go (`wait_let_go`), to look for it again, in the
    /// order they came.
    until_let_go: VecDeque<Arc<Waiter>>,
}

impl Default for RelayLine {
    fn default() -> Self {
        let state = LineState {
            taken: false,
            waiting: VecDeque::new(),
            holder_of_gil_looks: false,
            line_served: Instant::now(),
            handed: 0,
            until_let_go: VecDeque::new(),
        };
        RelayLine { state: Mutex::new(state), busy: AtomicBool::new(false) }
    }
}

/// Why a caller holding the GIL did not get the turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Busy {
    /// Taken, for longer than a look: the caller is to wait in the line without the GIL.
    Taken,
    /// Taken by a call whose Python code may wait for the GIL: the caller is to let the GIL go
    /// until the turn is let go (`RelayLine::wait_let_go`), then look again.
    HolderMayNeedGil,
}

/// A caller asleep in the line, and how the one before it hands it the turn.
struct Waiter {
    turn: AtomicBool,
    thread: Thread,
}

impl LineState {
    /// Takes the turn if it is free.
    fn take(&mut self, busy: &AtomicBool) -> bool {
        let free = !std::mem::replace(&mut self.taken, true);
        busy.store(true, Ordering::Relaxed);
        free
    }

    /// Leaves the turn to the first caller asleep in the line, or free; the one handed it is
    /// returned, to be woken once the lock is let go.
    fn pass_on(&mut self, busy: &AtomicBool) -> Option<Arc<Waiter>> {
        let next = self.waiting.pop_front();
        if next.is_some() {
            self.line_served = Instant::now();
            self.handed += 1;
        }
        self.taken = next.is_some();
        busy.store(self.taken, Ordering::Relaxed);
        next
    }
}

/// Wakes the caller handed the turn.
fn hand_turn(next: Option<Arc<Waiter>>) {
    if let Some(next) = next {
        next.turn.store(true, Ordering::Release);
        next.thread.unpark();
    }
}

impl RelayLine {
    /// Takes the turn for a caller holding the GIL, looking for it a moment if it is taken (a
    /// turn ending meanwhile goes to this caller before those asleep in the line), unless
    /// `holder_may_need_gil`. Err: still taken, and what the caller is to do (`Busy`).
    pub fn try_enter_holding_gil(&self, holder_may_need_gil: impl Fn() -> bool) -> Result<Turn<'_>, Busy> {
        self.look_for_turn(SPIN, holder_may_need_gil)
    }

    fn look_for_turn(&self, budget: Duration, holder_may_need_gil: impl Fn() -> bool) -> Result<Turn<'_>, Busy> {
        {
            let mut state = lock(&self.state);
            if state.take(&self.busy) {
                return Ok(Turn(self));
            }
            state.holder_of_gil_looks = true;
        }
        let mut took = false;
        let mut needs_gil = false;
        spin_until(
            || {
                if self.busy.load(Ordering::Relaxed) {
                    // Python code the turn's holder runs may let the GIL go (at CPython's switch
                    // interval) and wait for it back: this looks no longer.
                    needs_gil = holder_may_need_gil();
                    return needs_gil;
                }
                let mut state = lock(&self.state);
                took = state.take(&self.busy);
                state.holder_of_gil_looks &= !took;
                took
            },
            budget,
        );
        if took {
            return Ok(Turn(self));
        }
        self.stop_looking();
        Err(if needs_gil { Busy::HolderMayNeedGil } else { Busy::Taken })
    }

    /// The GIL's holder gives up looking: a turn left free for it goes to the line instead.
    fn stop_looking(&self) {
        let next = {
            let mut state = lock(&self.state);
            state.holder_of_gil_looks = false;
            if state.taken {
                None
            } else {
                state.pass_on(&self.busy)
            }
        };
        hand_turn(next);
    }

    /// Takes the turn, waiting behind those who came first.
    pub fn enter(&self) -> Turn<'_> {
        let (me, next) = {
            let mut state = lock(&self.state);
            if state.take(&self.busy) {
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

    /// How many turns went to a caller asleep in the line so far: each a wake-up, and most
    /// often a hand-over of the GIL after it.
    pub fn handed(&self) -> u64 {
        lock(&self.state).handed
    }

    /// Sleeps until the turn taken now is let go (at once if it is free), `at_most`, without
    /// taking it: for a caller that let the GIL go to the turn's holder (`Busy::HolderMayNeedGil`)
    /// and will look for the turn again with the GIL. A turn let go wakes one such caller, the
    /// first: all of them woke to fight over the GIL and found the turn taken again, two or three
    /// sleeps a call. Each caller woken takes a turn or sleeps again while one is taken, so a
    /// turn's end wakes the next; `at_most` bounds the wait should a caller woken do neither.
    pub fn wait_let_go(&self, at_most: Duration) {
        let me = {
            let mut state = lock(&self.state);
            if !state.taken {
                return;
            }
            let me = Arc::new(Waiter { turn: AtomicBool::new(false), thread: std::thread::current() });
            state.until_let_go.push_back(me.clone());
            me
        };
        let deadline = Instant::now() + at_most;
        while !me.turn.load(Ordering::Acquire) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                lock(&self.state).until_let_go.retain(|w| !Arc::ptr_eq(w, &me));
                return;
            }
            std::thread::park_timeout(left);
        }
    }

    /// Hands the turn to the GIL's holder if it looks for it (and the line had a turn lately),
    /// else to the first caller waiting, or leaves it free; wakes the first caller waiting for
    /// it to be let go.
    fn leave(&self) {
        let (next, let_go) = {
            let mut state = lock(&self.state);
            let let_go = state.until_let_go.pop_front();
            if state.holder_of_gil_looks && state.line_served.elapsed() < LINE_TURN_EVERY {
                state.taken = false;
                self.busy.store(false, Ordering::Relaxed);
                (None, let_go)
            } else {
                (state.pass_on(&self.busy), let_go)
            }
        };
        hand_turn(next);
        hand_turn(let_go);
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
        assert!(line.try_enter_holding_gil(|| false).is_ok(), "the turn was left taken");
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
                        let turn = if (t + i) % 3 == 0 { line.try_enter_holding_gil(|| false).ok() } else { Some(line.enter()) };
                        let Some(_turn) = turn else { continue };
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two callers had the turn");
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        // A lost hand-over would leave a thread asleep and hang its join.
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert!(line.try_enter_holding_gil(|| false).is_ok(), "the turn is free once everyone left");
    }

    #[test]
    fn callers_get_the_turn_in_the_order_they_came() {
        let line = Arc::new(RelayLine::default());
        let first = line.try_enter_holding_gil(|| false).expect("a free line");
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
        assert!(line.try_enter_holding_gil(|| false).is_err(), "taken while callers wait");
        drop(first);
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3]);
    }

    type Order = Arc<Mutex<Vec<&'static str>>>;

    /// A line with its turn held here and one caller asleep in it, which writes "line" to
    /// `order` when it gets the turn.
    fn held_with_a_sleeper<'l>(line: &'l Arc<RelayLine>, order: &Order) -> (Turn<'l>, std::thread::JoinHandle<()>) {
        let held = line.try_enter_holding_gil(|| false).expect("a free line");
        let (theirs, order) = (line.clone(), order.clone());
        let sleeper = std::thread::spawn(move || {
            let _turn = theirs.enter();
            order.lock().unwrap().push("line");
        });
        while line.waiting() < 1 {
            assert!(!sleeper.is_finished(), "the sleeper left without waiting in the line");
            std::thread::yield_now();
        }
        (held, sleeper)
    }

    /// Starts the GIL's holder looking for the turn (for as long as the test needs), which writes
    /// "gil" to `order` when it gets it and leaves it once `release` is set.
    fn looking(line: &Arc<RelayLine>, order: &Order, release: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
        // A thread allowed one CPU does not spin (`spin_until`): it would wait for the turn alone.
        assert!(std::thread::available_parallelism().is_ok_and(|n| n.get() > 1), "these tests need two CPUs");
        let (theirs, order) = (line.clone(), order.clone());
        let looker = std::thread::spawn(move || {
            // Looking for a minute, however busy the machine running the tests.
            let turn = napi_link::spin::looking_whole_budget(|| theirs.look_for_turn(Duration::from_secs(60), || false));
            let _turn = turn.expect("the turn within a minute");
            order.lock().unwrap().push("gil");
            while !release.load(Ordering::Acquire) {
                std::thread::yield_now();
            }
        });
        while !lock(&line.state).holder_of_gil_looks {
            // A looker that stopped (it panicked) would leave this waiting for ever.
            assert!(!looker.is_finished(), "the GIL's holder stopped looking");
            std::thread::yield_now();
        }
        looker
    }

    #[test]
    fn a_turn_ending_while_the_holder_of_the_gil_looks_goes_to_it_before_the_line() {
        let line = Arc::new(RelayLine::default());
        let order = Order::default();
        let (held, sleeper) = held_with_a_sleeper(&line, &order);
        let release = Arc::new(AtomicBool::new(false));
        let looker = looking(&line, &order, release.clone());
        // The line had its turn just now.
        lock(&line.state).line_served = Instant::now() + Duration::from_secs(3600);
        drop(held);
        while lock(&line.state).holder_of_gil_looks {
            std::thread::yield_now();
        }
        assert_eq!(line.waiting(), 1, "the sleeper was handed the turn the GIL's holder looked for");
        release.store(true, Ordering::Release);
        looker.join().unwrap();
        // The sleeper has it next, woken by the looker's leaving (or this join hangs).
        sleeper.join().unwrap();
        assert_eq!(*order.lock().unwrap(), ["gil", "line"]);
    }

    #[test]
    fn the_line_gets_a_turn_when_it_had_none_lately_though_the_holder_of_the_gil_looks() {
        let line = Arc::new(RelayLine::default());
        let order = Order::default();
        let (held, sleeper) = held_with_a_sleeper(&line, &order);
        let looker = looking(&line, &order, Arc::new(AtomicBool::new(true)));
        lock(&line.state).line_served = Instant::now().checked_sub(LINE_TURN_EVERY * 2).expect("a clock past its start");
        drop(held);
        sleeper.join().unwrap();
        looker.join().unwrap();
        assert_eq!(*order.lock().unwrap(), ["line", "gil"]);
    }

    #[test]
    fn the_holder_of_the_gil_does_not_look_while_the_turns_holder_may_need_the_gil() {
        let line = RelayLine::default();
        let _held = line.try_enter_holding_gil(|| false).expect("a free line");
        let start = Instant::now();
        assert_eq!(line.look_for_turn(Duration::from_secs(60), || true).err(), Some(Busy::HolderMayNeedGil));
        assert!(start.elapsed() < Duration::from_secs(30), "it looked on");
        assert!(!lock(&line.state).holder_of_gil_looks);
    }

    #[test]
    fn each_turn_let_go_wakes_one_caller_waiting_for_it_in_the_order_they_came() {
        let line = Arc::new(RelayLine::default());
        let held = line.try_enter_holding_gil(|| false).expect("a free line");
        let woken = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..2)
            .map(|n| {
                let (theirs, woken) = (line.clone(), woken.clone());
                let waiter = std::thread::spawn(move || {
                    theirs.wait_let_go(Duration::from_secs(600));
                    woken.fetch_add(1, Ordering::SeqCst);
                });
                while lock(&line.state).until_let_go.len() < n + 1 {
                    std::thread::yield_now();
                }
                waiter
            })
            .collect();
        drop(held);
        let mut waiters = waiters.into_iter();
        waiters.next().unwrap().join().unwrap();
        assert_eq!(woken.load(Ordering::SeqCst), 1, "a turn let go woke more than the first");
        assert_eq!(lock(&line.state).until_let_go.len(), 1);
        // The next turn's end wakes the second.
        drop(line.try_enter_holding_gil(|| false).expect("a free line"));
        waiters.next().unwrap().join().unwrap();
        assert_eq!(woken.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_caller_waiting_for_the_turn_to_be_let_go_leaves_at_its_deadline() {
        let line = RelayLine::default();
        let _held = line.try_enter_holding_gil(|| false).expect("a free line");
        line.wait_let_go(Duration::from_millis(10));
        assert!(lock(&line.state).until_let_go.is_empty(), "the caller gone stayed in the queue");
        let free = RelayLine::default();
        free.wait_let_go(Duration::from_secs(600));
    }

    #[test]
    fn a_turn_left_free_for_the_holder_of_the_gil_goes_to_the_line_when_it_stops_looking() {
        let line = Arc::new(RelayLine::default());
        let (held, sleeper) = held_with_a_sleeper(&line, &Order::default());
        {
            let mut state = lock(&line.state);
            state.holder_of_gil_looks = true;
            state.line_served = Instant::now() + Duration::from_secs(3600);
        }
        drop(held);
        assert_eq!(line.waiting(), 1, "the turn left free was handed to the line");
        line.stop_looking();
        sleeper.join().unwrap();
        assert!(line.try_enter_holding_gil(|| false).is_ok(), "the turn is free once everyone left");
    }
}
