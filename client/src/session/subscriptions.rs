//! Promise subscriptions of one host: which waiter waits for which settlement, the outcomes that
//! came before their waiter, and what may be kept at all. The bookkeeping of the session and of
//! a language binding alike, generic over what a waiter is (a blocked thread's slot, a binding's
//! promise object) and what an outcome made early by the caller is (`M`, a binding's objects);
//! each operation answers what the caller is to do (settle this waiter with this outcome, or
//! nothing), and the caller settles outside the lock.
//!
//! The host subscribes on its own to a promise it answers a request with, under the request's
//! id (`subscribed_by_reply`), so its settlement often comes before the caller has made the
//! answer and claimed the id: such an early outcome is kept for the claim. When the host is
//! gone, every waiter is handed back to fail, and every later claim fails at once.
//!
//! An isolated host is not believed (`strict`): an early outcome is kept only for a request in
//! flight (`expect`), once, and dropped when the request ends unclaimed (`done`); a settlement
//! of anything else is a `Violation`. So what is kept is bounded by the requests in flight. An
//! in-process host is this process's own code, and its direct calls are not tracked.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use napi_protocol::Outcome;
use rustc_hash::{FxHashMap, FxHashSet};

use super::host_value::release_outcome;
use crate::link::channel::{Channel, Dead};
use crate::link::inbound::Violation;

pub use crate::link::inbound::subscribed_by_reply;

/// An outcome that came before its claim: as the host sent it, or made already by the caller
/// (`M`: in-process, settled during the direct call whose reply makes the promise).
pub enum Early<M> {
    Sent(Outcome),
    Made(M),
}

impl<M> Early<M> {
    /// Gives back the holds of an outcome the host sent that nobody will claim; one the caller
    /// made is handed back, to be let go its own way.
    pub fn let_go(self, channel: &Channel) -> Option<M> {
        match self {
            Early::Sent(outcome) => {
                release_outcome(&outcome, channel);
                None
            }
            Early::Made(made) => Some(made),
        }
    }
}

/// What a claim finds: the waiter is kept, or handed back to settle now.
pub enum Claim<W, M> {
    /// Nothing yet: the waiter waits.
    Waiting,
    /// The outcome came first: the waiter settles with it now.
    Came(W, Early<M>),
    /// The host is gone: the waiter fails with why now.
    Gone(W, Arc<Dead>),
}

/// What the host's end leaves: the waiters to fail, and the early outcomes nobody will claim
/// (handed back to be let go outside the lock: a binding's objects may run its code as they go).
pub struct Abandoned<W, M> {
    pub waiters: Vec<W>,
    pub early: Vec<Early<M>>,
}

struct Table<W, M> {
    /// Waiters for their settlement, by subscription id.
    waiting: FxHashMap<u64, W>,
    /// Outcomes that came before their claim.
    early: FxHashMap<u64, Early<M>>,
    /// Requests in flight (strict): their replies may make promises whose outcomes come first.
    expecting: FxHashSet<u64>,
    /// Why every claim fails once the host is gone.
    gone: Option<Arc<Dead>>,
}

/// The subscriptions of one host, waited for by `W`s.
pub struct Subscriptions<W, M> {
    table: Mutex<Table<W, M>>,
    /// The request sent alone (`expect_alone`), expected without the table's lock until it
    /// ends; 0 when none. At most one: a second lone request expects in the table.
    alone: AtomicU64,
    /// Set under the lock before a settlement is checked against `alone`: the lone request's
    /// end takes the lock only when it is set (a sequentially consistent pair with `alone`,
    /// so that an outcome kept for it is never missed).
    looked_alone: AtomicBool,
    /// Whether settlements are checked against the requests in flight (an isolated host).
    strict: bool,
}

impl<W, M> Table<W, M> {
    /// Hands back the waiter of `sub` with its outcome, or keeps the outcome for the claim to
    /// come (`None`).
    fn hand_or_keep(&mut self, sub: u64, outcome: Outcome) -> Option<(W, Outcome)> {
        match self.waiting.remove(&sub) {
            Some(w) => Some((w, outcome)),
            None => {
                self.early.insert(sub, Early::Sent(outcome));
                None
            }
        }
    }
}

impl<W, M> Subscriptions<W, M> {
    /// `strict`: settlements are checked (a host in another process).
    pub fn new(strict: bool) -> Self {
        let table = Table { waiting: FxHashMap::default(), early: FxHashMap::default(), expecting: FxHashSet::default(), gone: None };
        Subscriptions { table: Mutex::new(table), alone: AtomicU64::new(0), looked_alone: AtomicBool::new(false), strict }
    }

    /// Whether the outcome of `sub`, which nobody claimed yet, may be kept (`t` the table, its
    /// lock held): from a `strict` (isolated) host, only for a request in flight, and once.
    fn may_keep(&self, t: &Table<W, M>, sub: u64) -> Result<(), Violation> {
        if !self.strict || (!t.early.contains_key(&sub) && (t.expecting.contains(&sub) || self.expected_alone(sub))) {
            return Ok(());
        }
        Err(Violation(format!("a settlement of subscription {sub}, which this client did not make or had settled already")))
    }

    /// Whether `sub` is the lone request's (the table's lock held).
    fn expected_alone(&self, sub: u64) -> bool {
        self.looked_alone.store(true, Ordering::SeqCst);
        self.alone.load(Ordering::SeqCst) == sub
    }

    /// `expect` of a request sent alone (see `alone`), with no lock: what it expects is seen by
    /// whoever reads its settlement, since that was sent after the request was read. The place
    /// is held until its request ends (`done`), not until it leaves the reading: a reply that
    /// made a promise is claimed after the reading is left, and another thread sent alone
    /// meanwhile expects in the table instead.
    #[inline]
    pub fn expect_alone(&self, id: u64) {
        if self.strict && self.alone.compare_exchange(0, id, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            self.expect(id);
        }
    }

    /// `done` of the request sent alone: the lock only if a settlement was looked at meanwhile.
    #[inline(always)]
    fn done_alone(&self, id: u64) -> Option<Early<M>> {
        self.alone.store(0, Ordering::SeqCst);
        if !self.looked_alone.load(Ordering::SeqCst) {
            return None;
        }
        self.done_looked_at(id)
    }

    /// `done_alone` after a settlement was looked at while the request was in flight.
    #[cold]
    fn done_looked_at(&self, id: u64) -> Option<Early<M>> {
        let mut t = self.table.lock().unwrap();
        self.looked_alone.store(false, Ordering::Relaxed);
        t.early.remove(&id)
    }

    /// Request `id` is about to be sent: its promise's outcome may come before its reply.
    #[inline]
    pub fn expect(&self, id: u64) {
        if self.strict {
            self.table.lock().unwrap().expecting.insert(id);
        }
    }

    /// Request `id` is over: an outcome nobody claimed for it (its reply made no promise, or the
    /// claim failed) is handed back to be let go. Made in its caller: out of line, its call and
    /// frame cost a lone isolated call about 15 around its two atomic looks and one store.
    #[inline(always)]
    pub fn done(&self, id: u64) -> Option<Early<M>> {
        if !self.strict {
            return None;
        }
        if self.alone.load(Ordering::Relaxed) == id {
            return self.done_alone(id);
        }
        let mut t = self.table.lock().unwrap();
        t.expecting.remove(&id);
        t.early.remove(&id)
    }

    /// A first look at a settlement (a dispatcher's, before it takes anything): one nobody
    /// claimed yet is kept for its claim (`None`); one a waiter waits for is handed back.
    pub fn early(&self, sub: u64, outcome: Outcome) -> Result<Option<Outcome>, Violation> {
        let mut t = self.table.lock().unwrap();
        if t.waiting.contains_key(&sub) {
            return Ok(Some(outcome));
        }
        self.may_keep(&t, sub)?;
        t.early.insert(sub, Early::Sent(outcome));
        Ok(None)
    }

    /// `waiter` claims subscription `sub`.
    pub fn claim(&self, sub: u64, waiter: W) -> Claim<W, M> {
        let mut t = self.table.lock().unwrap();
        if let Some(early) = t.early.remove(&sub) {
            return Claim::Came(waiter, early);
        }
        if let Some(gone) = &t.gone {
            return Claim::Gone(waiter, gone.clone());
        }
        t.waiting.insert(sub, waiter);
        Claim::Waiting
    }

    /// The outcome of `sub` arrived: its waiter, to settle with it; or kept for the claim still
    /// to come (`None`).
    pub fn settled(&self, sub: u64, outcome: Outcome) -> Result<Option<(W, Outcome)>, Violation> {
        let mut t = self.table.lock().unwrap();
        if !t.waiting.contains_key(&sub) {
            self.may_keep(&t, sub)?;
        }
        Ok(t.hand_or_keep(sub, outcome))
    }

    /// Whether a waiter waits for `sub` (an in-process host thread's look before it takes a
    /// binding's lock to settle it).
    pub fn waited(&self, sub: u64) -> bool {
        self.table.lock().unwrap().waiting.contains_key(&sub)
    }

    /// Keeps the outcome of `sub`, made already by the caller whose direct call's reply makes
    /// its promise, for the claim to come (an in-process host's, whose settlements are not
    /// checked).
    pub fn keep_made(&self, sub: u64, made: M) {
        self.table.lock().unwrap().early.insert(sub, Early::Made(made));
    }

    /// Takes the waiter of `sub`, if one waits (its subscription failed, or it settles now).
    pub fn take_waiter(&self, sub: u64) -> Option<W> {
        self.table.lock().unwrap().waiting.remove(&sub)
    }

    /// Keeps the outcome of `sub` for its claim still to come, or hands it back with the waiter
    /// that claimed it meanwhile (an in-process host, whose settlements are not checked).
    pub fn keep_unless_waited(&self, sub: u64, outcome: Outcome) -> Option<(W, Outcome)> {
        self.table.lock().unwrap().hand_or_keep(sub, outcome)
    }

    /// The host is gone (`dead` says why): its promises will never settle, so every waiter is
    /// handed back to fail now, and every later claim fails at once.
    pub fn abandon(&self, dead: Arc<Dead>) -> Abandoned<W, M> {
        let mut t = self.table.lock().unwrap();
        t.gone = Some(dead);
        t.expecting.clear();
        self.alone.store(0, Ordering::SeqCst);
        Abandoned { waiters: t.waiting.drain().map(|(_, w)| w).collect(), early: t.early.drain().map(|(_, e)| e).collect() }
    }

    /// How many outcomes are kept for claims to come (for tests of the bound).
    pub fn kept(&self) -> usize {
        self.table.lock().unwrap().early.len()
    }
}
