//! The JS thread's event queue: how other threads (the async-work pool, threads an addon made)
//! get something run on the JS thread, which alone may touch the heap (nothing in the heap is
//! locked, so only one thread may ever reach it).
//!
//! Any thread `post`s a task and the JS thread is woken through a doorbell it polls beside the
//! client socket; it runs the tasks between client requests (`Runtime::run_tasks`), never in the
//! middle of a call, as Node's event loop runs callbacks only on an empty JS stack.

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use super::{Runtime, Value};

/// Work for the JS thread. It gets the runtime and calls into the addon itself (through
/// `napi::callback::call_into_module`).
pub type Task = Box<dyn FnOnce(&Runtime) + Send>;

mod doorbell;
pub use doorbell::Doorbell;

/// Tasks for the JS thread, with the doorbell that announces them and the count of what keeps the
/// loop alive.
pub struct EventQueue {
    tasks: Mutex<VecDeque<Task>>,
    /// How many tasks are queued, for looking without the lock: the JS thread looks after every
    /// request and again and again while it waits for the client.
    queued: AtomicUsize,
    /// Rung while tasks are queued, unless the JS lock's word says hushed.
    wake: Doorbell,
    /// The in-process host's JS lock, whose holder may hush the doorbell ([`JsLockWord`]);
    /// a queue of its own, never held, for a runtime without one.
    js_lock: Arc<JsLockWord>,
    /// Things that keep the loop alive though nothing is queued yet (queued or running async
    /// work, referenced threadsafe functions): what libuv counts as active handles and requests.
    alive: AtomicUsize,
}

impl EventQueue {
    /// An empty queue (its doorbell is an eventfd, which may not be had), with no JS lock.
    pub fn new() -> io::Result<EventQueue> {
        EventQueue::under(Arc::default())
    }

    /// An empty queue whose doorbell `js_lock`'s holder may hush.
    pub fn under(js_lock: Arc<JsLockWord>) -> io::Result<EventQueue> {
        Ok(EventQueue {
            tasks: Mutex::new(VecDeque::new()),
            queued: AtomicUsize::new(0),
            wake: Doorbell::new()?,
            js_lock,
            alive: AtomicUsize::new(0),
        })
    }

    /// The JS lock's word whose `HUSH` this queue's posts obey.
    pub fn js_lock(&self) -> &Arc<JsLockWord> {
        &self.js_lock
    }

    /// Queues `task` for the JS thread and wakes it (unless hushed); callable from any thread.
    pub fn post(&self, task: Task) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        tasks.push_back(task);
        // SeqCst, then the lock's word SeqCst: the ordering is argued at `JsLockWord`.
        self.queued.store(tasks.len(), Ordering::SeqCst);
        drop(tasks);
        if !self.js_lock.hushed() {
            self.wake.ring();
        }
    }

    /// The end of a hush (its holder let go of the JS lock, `JsLockWord::release` answered
    /// true): rings if a post it hushed left tasks queued, for the JS thread to run them.
    pub fn hush_ended(&self) {
        if self.queued.load(Ordering::SeqCst) > 0 {
            self.wake.ring();
        }
    }

    /// The descriptor the JS thread polls for readability (on Windows, the event it waits on).
    pub fn fd(&self) -> napi_link::streams::RawDescriptor {
        self.wake.fd()
    }

    /// Makes every wake-up of this queue signal `event` too (Windows: see `Doorbell::also_ring`).
    #[cfg(windows)]
    pub fn also_wake(&self, event: std::os::windows::io::OwnedHandle) -> io::Result<()> {
        self.wake.also_ring(event)
    }

    /// Resets the wake-up and returns every queued task, oldest first.
    pub fn take(&self) -> Vec<Task> {
        // Reset before draining, so a post racing with us wakes the poller again.
        self.wake.clear();
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        self.queued.store(0, Ordering::Release);
        tasks.drain(..).collect()
    }

    /// Makes the descriptor unreadable again, for a poller that found the tasks it announced
    /// already taken (by a direct call). It looks at the queue again before sleeping.
    pub fn forget_wake(&self) {
        self.wake.clear();
    }

    /// Whether no task is queued (looked at without the lock).
    pub fn is_empty(&self) -> bool {
        self.queued.load(Ordering::Acquire) == 0
    }

    /// Blocks the JS thread until a task is posted or `timeout` passes.
    pub fn wait(&self, timeout: Duration) {
        self.wake.wait(timeout);
    }

    /// Something (async work in flight, a referenced threadsafe function) starts keeping the
    /// loop alive.
    pub fn hold(&self) {
        self.alive.fetch_add(1, Ordering::SeqCst);
    }

    /// The thing counted by `hold` stops keeping the loop alive.
    pub fn unhold(&self) {
        let _ = self.alive.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    }
}

/// The in-process host's JS lock's word (the host's `TurnLock` is made of it): `HELD` while
/// someone runs JS, and `HUSH` beside it while a direct caller does, whose hold hushes the event
/// queue's doorbell. Tasks posted meanwhile are the caller's to run (a reply lingering for its
/// promise runs them), or the JS thread's once the lock is let go: waking it while the lock is
/// held would only have it wait for the lock. The host thread's own holds do not hush (it is
/// the one the doorbell wakes).
///
/// Both halves of the hush ride on locked instructions the lock makes anyway: the caller's
/// compare-and-swap takes the word `0 -> HELD | HUSH`, and its release swaps it to 0. The
/// release's end of the hush and `EventQueue::post` are the two sides of a Dekker pair: the
/// release swaps the word (SeqCst) then loads `queued` (SeqCst, `EventQueue::hush_ended`); a
/// post stores `queued` (SeqCst) then loads the word (SeqCst). In the single total order of
/// SeqCst operations, either the post's load comes after the swap, sees no `HUSH` and rings,
/// or it comes before the swap, so the post's store of `queued` does too and the release's
/// load of `queued` sees the task (or the JS thread's `take` of it) and rings. A task is
/// never left unannounced past the hold's end. (Two words, a hush flag beside the lock, cost
/// a second locked store at every direct call's end: about 10 ns of a 150 ns in-process `noop`.)
#[derive(Default)]
pub struct JsLockWord(AtomicU8);

impl JsLockWord {
    const HELD: u8 = 1;
    const HUSH: u8 = 2;

    /// Takes the lock if it is free, hushing the doorbell while held if `hush`.
    #[inline]
    pub fn take(&self, hush: bool) -> bool {
        let held = if hush { Self::HELD | Self::HUSH } else { Self::HELD };
        self.0.compare_exchange(0, held, Ordering::SeqCst, Ordering::Relaxed).is_ok()
    }

    pub fn is_held(&self) -> bool {
        self.0.load(Ordering::SeqCst) & Self::HELD != 0
    }

    fn hushed(&self) -> bool {
        self.0.load(Ordering::SeqCst) & Self::HUSH != 0
    }

    /// Lets go of the lock; answers whether its hold hushed the doorbell (its holder then calls
    /// `EventQueue::hush_ended`).
    #[inline]
    #[must_use]
    pub fn release(&self) -> bool {
        self.0.swap(0, Ordering::SeqCst) & Self::HUSH != 0
    }
}

impl Runtime {
    /// Runs the tasks other threads posted, in the order posted. Only those queued when it is
    /// called: what they post meanwhile (a threadsafe function fed faster than it is drained)
    /// waits for the next turn, and the eventfd stays readable for it, so the loop is never
    /// stuck here. Called at the top level only (between client requests, at teardown).
    pub fn run_tasks(&self) {
        for task in self.events.take() {
            task(self);
        }
    }

    /// Whether the loop has work still to come: queued tasks, async work queued or running, or
    /// referenced threadsafe functions (libuv's "alive").
    pub fn has_pending_work(&self) -> bool {
        !self.events.is_empty() || self.events.alive.load(Ordering::SeqCst) > 0
    }

    /// An exception nothing caught (thrown by an async-work `complete` or a threadsafe
    /// function's `call_js_cb`): Node's `uncaughtException`; the host hands it to Python.
    pub fn report_uncaught(&self, value: Value) {
        let outside = self.outside.borrow().clone();
        match outside {
            Some(o) => o.uncaught(self, value),
            None => tracing::warn!("uncaught exception: {}", self.describe_thrown(&value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;
    use std::sync::Arc;

    fn readable(q: &EventQueue) -> bool {
        q.wake.is_rung()
    }

    #[test]
    fn posts_from_other_threads_wake_the_fd_and_come_out_in_order() {
        let q = Arc::new(EventQueue::new().unwrap());
        assert!(!readable(&q));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let producer = {
            let (q, seen) = (q.clone(), seen.clone());
            std::thread::spawn(move || {
                for i in 0..100 {
                    let seen = seen.clone();
                    q.post(Box::new(move |_| seen.lock().unwrap().push(i)));
                }
            })
        };
        producer.join().unwrap();
        assert!(readable(&q));
        let tasks = q.take();
        assert_eq!(tasks.len(), 100);
        assert!(!readable(&q), "take resets the wake-up");
        assert!(q.is_empty());
        let rt = Runtime::new(Box::new(crate::NoNative));
        tasks.into_iter().for_each(|t| t(&rt));
        assert_eq!(*seen.lock().unwrap(), (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn run_tasks_runs_one_batch_and_leaves_what_tasks_post_for_the_next_turn() {
        let rt = Runtime::new(Box::new(crate::NoNative));
        let runs = Arc::new(AtomicU32::new(0));
        let r = runs.clone();
        let events = rt.events.clone();
        rt.events.post(Box::new(move |_| {
            r.fetch_add(1, Ordering::SeqCst);
            let r2 = r.clone();
            events.post(Box::new(move |_| {
                r2.fetch_add(1, Ordering::SeqCst);
            }));
        }));
        rt.run_tasks();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(rt.has_pending_work() && readable(&rt.events));
        rt.run_tasks();
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert!(!rt.has_pending_work());
    }

    #[test]
    fn a_hushing_hold_keeps_posts_quiet_and_its_release_rings_for_what_they_left() {
        let q = EventQueue::new().unwrap();
        let lock = q.js_lock().clone();
        assert!(lock.take(true));
        assert!(!lock.take(false), "one holder at a time");
        q.post(Box::new(|_| {}));
        assert!(!readable(&q), "a post under a hush does not ring");
        assert!(lock.release(), "the hold hushed");
        q.hush_ended();
        assert!(readable(&q), "the hush's end rings for the task left");
        q.take();
        assert!(lock.take(false));
        q.post(Box::new(|_| {}));
        assert!(readable(&q), "a hold that does not hush leaves posts ringing");
        assert!(!lock.release());
    }

    #[test]
    fn holds_keep_the_loop_alive_until_released() {
        let rt = Runtime::new(Box::new(crate::NoNative));
        rt.events.hold();
        assert!(rt.has_pending_work());
        rt.events.unhold();
        rt.events.unhold(); // never below zero
        assert!(!rt.has_pending_work());
        rt.events.hold();
        assert!(rt.has_pending_work());
    }
}
