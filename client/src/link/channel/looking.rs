//! Looking for a chain's next message for a few microseconds while the thread keeps the GIL,
//! before it waits without it.

use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};
use std::time::{Duration, Instant};

use napi_link::shared_cpu;
use napi_link::spin::spin_until;
use napi_protocol::ChainId;

use super::{Channel, Dead, State};
use crate::link::inbound::Incoming;

impl Channel {
    /// The next message for `chain` if it comes within `budget`, looked for by this thread while
    /// it keeps the GIL (`None`: nothing came; the caller then waits without the GIL). It reads
    /// the rings if nobody else does, else watches its mailbox, which the reader fills without
    /// a bell for a thread that is not asleep. A reply within microseconds then costs no hand-off
    /// of the GIL to another thread and back, which is what made many threads slower than one.
    /// Only whole frames are read, so a host pausing inside one holds up nobody.
    ///
    /// The clock is read here only when a first look did not find the message (`LookBudget`).
    pub fn poll(&self, chain: ChainId, budget: Duration) -> Option<Result<Incoming, Arc<Dead>>> {
        if self.forked() {
            return Some(Err(self.forked_death()));
        }
        let mut look = LookBudget::new(budget);
        let mut st = self.state.lock().unwrap();
        loop {
            if let Some(m) = st.chains.take(chain) {
                return Some(Ok(m));
            }
            if let Some(d) = &st.dead {
                return Some(Err(d.clone()));
            }
            if look.spent() || self.busy.owed() {
                return None;
            }
            if self.claim_reading() {
                return self.poll_reading(st, chain, look);
            }
            // Another thread reads: the mailbox is looked at again when it files something or
            // leaves.
            let filed = self.filed.load(Ordering::SeqCst);
            drop(st);
            let left = look.left();
            spin_until(|| self.filed.load(Ordering::SeqCst) != filed || !self.reading.load(Ordering::SeqCst) || self.busy.owed(), left);
            st = self.state.lock().unwrap();
        }
    }

    /// `poll` as the reader (claimed), until `look` is spent.
    fn poll_reading<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        chain: ChainId,
        mut look: LookBudget,
    ) -> Option<Result<Incoming, Arc<Dead>>> {
        let mut after_pause;
        let got = loop {
            drop(st);
            // SAFETY: the caller claimed the reading, given back below once the reader is done.
            let polled = unsafe { self.end.poll(look.left()) };
            after_pause = polled.as_ref().is_some_and(|(_, looked)| looked.after_pause());
            let read = polled.map(|(r, _)| r.map(Some).map_err(|e| self.death(e, None)));
            st = self.state.lock().unwrap();
            let Some(read) = read else { break None };
            let (back, filed_for) = self.file(st, chain, read);
            st = back;
            if let Some(incoming) = filed_for {
                break Some(Ok(incoming));
            }
            if let Some(d) = &st.dead {
                break Some(Err(d.clone()));
            }
            if look.spent() || self.busy.owed() {
                break None;
            }
        };
        self.reading.store(false, Ordering::SeqCst);
        // Nothing yet: the caller waits at once, reading again if nobody else does (or, if it
        // does not wait after all, calls `hand_on_reading`). Else a sleeper reads in its place.
        if got.is_some() {
            self.leave_reading(st);
            // The host may have answered on this thread's CPU: a move, if one is due, comes
            // after the reading is left, so that no other thread waits for it.
            if after_pause && self.in_process.is_none() {
                shared_cpu::after_pause(self.process.pid);
            }
        }
        got
    }
}

/// A look's budget, the clock read only from its second need on: the first look has the whole
/// budget without a reading, and what follows one more budget from then (a look lasts at most
/// twice `budget`).
struct LookBudget {
    budget: Duration,
    first: bool,
    since: Option<Instant>,
}

impl LookBudget {
    fn new(budget: Duration) -> Self {
        LookBudget { budget, first: true, since: None }
    }

    /// What the next look may take.
    #[inline]
    fn left(&mut self) -> Duration {
        if std::mem::take(&mut self.first) {
            return self.budget;
        }
        match self.since {
            Some(s) => self.budget.saturating_sub(s.elapsed()),
            None => {
                self.since = Some(Instant::now());
                self.budget
            }
        }
    }

    /// Whether the budget is spent (never before the clock was read).
    #[inline]
    fn spent(&self) -> bool {
        self.budget.is_zero() || self.since.is_some_and(|s| s.elapsed() >= self.budget)
    }
}
