//! Timers (`setTimeout`, `setInterval`, `setImmediate`) run by the host's event loop: a timer
//! thread per runtime sleeps until the next deadline and posts the due timer to the JS thread's
//! event queue (`events.rs`), where it runs between requests as node runs timers between
//! callbacks. A referenced timer holds the loop alive, as libuv's active handles do.

use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use super::object_id::ObjectId;
use super::value::Value;
use super::Runtime;

/// A timer the JS side made.
#[derive(Debug)]
pub struct Timer {
    /// The function to call.
    pub callback: Value,
    /// The arguments to call it with.
    pub args: Vec<Value>,
    /// `setInterval`'s period; `None` for a one-shot timer.
    pub repeat: Option<Duration>,
    /// The Timeout/Immediate object `set*` returned.
    pub object: ObjectId,
    /// Holds the loop alive (`ref()`, the default) or not (`unref()`).
    pub referenced: bool,
}

/// Deadlines shared with the timer thread: (when, timer id), soonest first.
#[derive(Default)]
struct Schedule {
    due: BinaryHeap<std::cmp::Reverse<(Instant, u64)>>,
    thread_started: bool,
}

/// The timers of a runtime, by id, and the thread that wakes the JS thread when one is due.
#[derive(Default)]
pub struct Timers {
    table: std::cell::RefCell<FxHashMap<u64, Timer>>,
    next_id: std::cell::Cell<u64>,
    shared: Arc<(Mutex<Schedule>, Condvar)>,
}

impl Timers {
    /// Every value the timers hold (for the collector).
    pub fn values(&self) -> Vec<Value> {
        let table = self.table.borrow();
        table
            .values()
            .flat_map(|t| std::iter::once(t.callback.clone()).chain(t.args.iter().cloned()).chain([Value::Object(t.object)]))
            .collect()
    }
}

impl Runtime {
    /// Registers a timer due in `delay` (or at the next turn for an immediate, `delay` None).
    pub fn add_timer(&self, timer: Timer, delay: Option<Duration>) -> u64 {
        let id = self.timers.next_id.get() + 1;
        self.timers.next_id.set(id);
        if timer.referenced {
            self.events.hold();
        }
        self.timers.table.borrow_mut().insert(id, timer);
        match delay {
            None => self.events.post(Box::new(move |rt| rt.fire_timer(id))),
            Some(d) => self.schedule(id, d),
        }
        id
    }

    fn schedule(&self, id: u64, delay: Duration) {
        let (lock, wake) = &*self.timers.shared;
        let mut s = lock.lock().unwrap_or_else(|p| p.into_inner());
        s.due.push(std::cmp::Reverse((Instant::now() + delay, id)));
        if !s.thread_started {
            s.thread_started = true;
            let shared = self.timers.shared.clone();
            let events = self.events.clone();
            std::thread::Builder::new().name("napi-timers".into()).spawn(move || timer_thread(shared, events)).expect("a timer thread");
        }
        wake.notify_one();
    }

    /// Cancels a timer (`clearTimeout` and its kin); unknown ids are ignored, as in node.
    pub fn clear_timer(&self, id: u64) {
        if let Some(t) = self.timers.table.borrow_mut().remove(&id) {
            if t.referenced {
                self.events.unhold();
            }
        }
    }

    /// `timeout.ref()` / `unref()`.
    pub fn ref_timer(&self, id: u64, referenced: bool) {
        let mut table = self.timers.table.borrow_mut();
        if let Some(t) = table.get_mut(&id) {
            if t.referenced != referenced {
                t.referenced = referenced;
                if referenced {
                    self.events.hold();
                } else {
                    self.events.unhold();
                }
            }
        }
    }

    /// Whether timer `id` keeps the loop alive (`hasRef`).
    pub fn timer_referenced(&self, id: u64) -> bool {
        self.timers.table.borrow().get(&id).is_some_and(|t| t.referenced)
    }

    /// Runs a due timer on the JS thread: its callback with its arguments, `this` its object;
    /// an interval is scheduled again, a one-shot timer forgotten. A throw is an uncaught
    /// exception, as in node.
    fn fire_timer(&self, id: u64) {
        let (callback, args, object, repeat) = {
            let table = self.timers.table.borrow();
            let Some(t) = table.get(&id) else { return };
            (t.callback.clone(), t.args.clone(), t.object, t.repeat)
        };
        match repeat {
            Some(period) => self.schedule(id, period),
            None => self.clear_timer(id),
        }
        if let Err(e) = self.call(&callback, Value::Object(object), &args) {
            self.report_uncaught(e.0);
        }
    }
}

/// Sleeps until the soonest deadline, then posts that timer to the JS thread. It ends when the
/// runtime has dropped its share of the schedule.
fn timer_thread(shared: Arc<(Mutex<Schedule>, Condvar)>, events: Arc<super::events::EventQueue>) {
    let (lock, wake) = &*shared;
    let mut s = lock.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if Arc::strong_count(&shared) == 1 {
            return;
        }
        let now = Instant::now();
        match s.due.peek().copied() {
            Some(std::cmp::Reverse((when, id))) if when <= now => {
                s.due.pop();
                events.post(Box::new(move |rt| rt.fire_timer(id)));
            }
            Some(std::cmp::Reverse((when, _))) => {
                s = wake.wait_timeout(s, (when - now).min(Duration::from_secs(1))).unwrap_or_else(|p| p.into_inner()).0;
            }
            None => {
                s = wake.wait_timeout(s, Duration::from_secs(1)).unwrap_or_else(|p| p.into_inner()).0;
            }
        }
    }
}
