//! The threads asleep in `Channel::wait`, each on a bell of its own: a message filed for a
//! chain wakes that chain's thread and no other, and a reader that leaves wakes one sleeper to
//! read next. With one bell for all, every message woke every waiting thread to look at its
//! mailbox and sleep again: a futex call or more per waiting thread per message, and 16 threads'
//! throughput a fraction of one thread's.

use std::sync::{Arc, Condvar};

use napi_protocol::ChainId;

#[derive(Default)]
pub(super) struct Sleepers {
    asleep: Vec<Sleeper>,
    /// Bells of sleepers that woke, for the next ones (a sleep then allocates nothing).
    spare: Vec<Arc<Condvar>>,
    /// Whether a sleeper was rung to take the reader's place and has not woken yet: another
    /// thread leaving rings nobody else for it.
    successor_rung: bool,
    /// How many times a bell was rung, and how many times a sleeper woke (for tests: about one
    /// of each per message for a sleeping thread, not one per waiting thread).
    pub rung: u64,
    pub woken: u64,
}

struct Sleeper {
    chain: ChainId,
    bell: Arc<Condvar>,
    /// Rung already (for a message, or to read): not the one to ring for the reader's place.
    rung: bool,
    /// Rung to take the reader's place.
    successor: bool,
}

impl Sleepers {
    /// The bell a thread waiting for `chain` sleeps on; it is listed until it `wake`s.
    pub fn sleep(&mut self, chain: ChainId) -> Arc<Condvar> {
        let bell = self.spare.pop().unwrap_or_default();
        self.asleep.push(Sleeper { chain, bell: bell.clone(), rung: false, successor: false });
        bell
    }

    /// The thread sleeping on `bell` woke (rung, timed out, or spuriously) and is unlisted.
    pub fn wake(&mut self, bell: Arc<Condvar>) {
        self.woken += 1;
        if let Some(at) = self.asleep.iter().position(|s| Arc::ptr_eq(&s.bell, &bell)) {
            let s = self.asleep.swap_remove(at);
            if s.successor {
                self.successor_rung = false;
            }
        }
        self.spare.push(bell);
    }

    /// The bell to ring for a message filed for `chain`, if its thread sleeps (rung after the
    /// state's lock is let go, so that the thread does not wake only to wait for the lock).
    pub fn ring(&mut self, chain: ChainId) -> Option<Arc<Condvar>> {
        let s = self.asleep.iter_mut().find(|s| s.chain == chain && !s.rung)?;
        s.rung = true;
        self.rung += 1;
        Some(s.bell.clone())
    }

    /// The reader left: the bell of one sleeper to read in its place, one not rung already and
    /// whose chain has no mail (`has_mail`), unless one was rung for that and has not woken yet.
    pub fn ring_successor(&mut self, has_mail: impl Fn(ChainId) -> bool) -> Option<Arc<Condvar>> {
        if self.successor_rung {
            return None;
        }
        let s = self.asleep.iter_mut().find(|s| !s.rung && !has_mail(s.chain))?;
        s.rung = true;
        s.successor = true;
        self.successor_rung = true;
        self.rung += 1;
        Some(s.bell.clone())
    }

    /// Rings every sleeper (the host is gone).
    pub fn ring_all(&mut self) {
        for s in &mut self.asleep {
            s.rung = true;
            self.rung += 1;
            s.bell.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_rings_its_chains_sleeper_only_and_once() {
        let mut s = Sleepers::default();
        let one = s.sleep(1);
        let _two = s.sleep(2);
        let rung = s.ring(1).expect("chain 1 sleeps");
        assert!(Arc::ptr_eq(&rung, &one));
        assert!(s.ring(1).is_none(), "rung already");
        assert!(s.ring(3).is_none(), "nobody sleeps on chain 3");
        assert_eq!(s.rung, 1);
    }

    #[test]
    fn one_successor_is_rung_until_it_wakes_and_never_one_with_mail() {
        let mut s = Sleepers::default();
        let _one = s.sleep(1);
        let two = s.sleep(2);
        let three = s.sleep(3);
        let first = s.ring_successor(|c| c == 1).expect("a sleeper without mail");
        assert!(Arc::ptr_eq(&first, &two), "chain 1 has mail");
        assert!(s.ring_successor(|_| false).is_none(), "the successor rung has not woken yet");
        assert!(s.ring(2).is_none(), "chain 2's thread was rung already");
        s.wake(two);
        let next = s.ring_successor(|c| c == 1).expect("chain 3's thread");
        assert!(Arc::ptr_eq(&next, &three));
        assert_eq!(s.rung, 2);
    }

    #[test]
    fn bells_are_reused() {
        let mut s = Sleepers::default();
        let a = s.sleep(1);
        s.wake(a.clone());
        let b = s.sleep(2);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(s.woken, 1);
    }
}
