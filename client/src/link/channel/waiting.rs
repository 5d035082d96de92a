//! Waiting for a chain's next message without the GIL: the thread reads the rings itself when
//! no other thread does (leader/follower), else sleeps on its bell until the reader files its
//! message or leaves.

use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};
use std::time::Instant;

use napi_protocol::ChainId;

use super::{Channel, Dead, State};
use crate::link::inbound::Incoming;

impl Channel {
    /// The next message for `chain`, reading the rings when no other thread is, until
    /// `deadline`: past it the host is killed, and so is a host that sent what the
    /// protocol does not allow. The reader keeps reading until its own message comes, ringing
    /// the thread of each chain it files a message for; then it rings one sleeper to read next.
    pub fn wait(&self, chain: ChainId, deadline: Option<Instant>) -> Result<Incoming, Arc<Dead>> {
        if self.forked() {
            return Err(self.forked_death());
        }
        let mut st = self.state.lock().unwrap();
        // Counted before the reading is looked at: a lone reader leaving without the lock
        // rings a thread counted here (`leave_alone`).
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut reader = false;
        let got = loop {
            if let Some(m) = st.chains.take(chain) {
                break Ok(m);
            }
            if let Some(d) = &st.dead {
                break Err(d.clone());
            }
            if !reader {
                if !self.claim_reading() {
                    st = self.sleep(st, chain, deadline);
                    continue;
                }
                reader = true;
            }
            let (read, filed_for) = self.read_and_file(st, chain, deadline);
            st = read;
            if let Some(incoming) = filed_for {
                break Ok(incoming);
            }
        };
        if reader {
            self.reading.store(false, Ordering::SeqCst);
        }
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        // Whoever leaves with nobody reading rings a sleeper to read (a reader leaving, or a
        // sleeper rung to read that found its mail instead).
        self.leave_reading(st);
        got
    }

    /// Claims the reading of the rings if nobody reads: by an exchange, since a lone request
    /// claims it without the lock (`read_alone`).
    #[inline]
    pub(super) fn claim_reading(&self) -> bool {
        self.reading.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst).is_ok()
    }

    /// Rings a sleeper to read if nobody reads: for a caller that looked (`poll`) and then does
    /// not wait after all.
    pub fn hand_on_reading(&self) {
        if !self.forked() {
            self.leave_reading(self.state.lock().unwrap());
        }
    }

    /// Rings a sleeper to read if nobody reads (after the lock is let go, so that it wakes to
    /// find it free).
    pub(super) fn leave_reading(&self, mut st: MutexGuard<'_, State>) {
        let successor = if self.reading.load(Ordering::SeqCst) {
            None
        } else {
            let State { chains, sleepers, .. } = &mut *st;
            sleepers.ring_successor(|c| chains.has_mail(c))
        };
        drop(st);
        if let Some(bell) = successor {
            bell.notify_one();
        }
    }

    /// Sleeps until this thread's bell rings (a message for `chain`, the reader's place free,
    /// the host's end) or `deadline`, past which the host is killed.
    fn sleep<'a>(&'a self, mut st: MutexGuard<'a, State>, chain: ChainId, deadline: Option<Instant>) -> MutexGuard<'a, State> {
        let bell = st.sleepers.sleep(chain);
        st = match deadline {
            None => bell.wait(st).unwrap(),
            Some(d) => bell.wait_timeout(st, d.saturating_duration_since(Instant::now())).unwrap().0,
        };
        st.sleepers.wake(bell);
        if deadline.is_some_and(|d| Instant::now() >= d) && st.dead.is_none() {
            drop(st);
            self.expire();
            st = self.state.lock().unwrap();
        }
        st
    }

    /// Why the host is gone, once it is: its event socket ended, and the main socket tells how
    /// (read here when no other thread is reading it).
    pub fn wait_dead(&self) -> Arc<Dead> {
        loop {
            // A chain with no mailbox: messages for live chains are filed, nothing is returned
            // for this one, so only the host's end ends the wait.
            if let Err(d) = self.wait(ChainId::MAX, None) {
                return d;
            }
        }
    }
}
