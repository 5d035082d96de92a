//! Whether a host's event dispatcher has run its last event: what `close` waits for.

use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::Duration;

/// Whether a dispatcher has run its last event, for `close` to wait on: what the host sent
/// before it ended (the report of an uncaught exception, a settlement) is run before `close`
/// returns, not at some later moment while the caller already goes on.
#[derive(Default)]
pub struct Finished {
    done: Mutex<bool>,
    changed: Condvar,
    /// The dispatcher's thread, which must not wait for itself (an event that closes its host).
    thread: OnceLock<ThreadId>,
}

impl Finished {
    /// Waits up to `limit` for the dispatcher to finish, unless this is its own thread.
    pub fn wait(&self, limit: Duration) {
        if self.thread.get() == Some(&std::thread::current().id()) {
            return;
        }
        let done = self.done.lock().unwrap();
        drop(self.changed.wait_timeout_while(done, limit, |done| !*done).unwrap());
    }
}

/// Marks the dispatcher finished however its thread ends.
pub struct MarkFinished(Arc<Finished>);

impl MarkFinished {
    /// Marks `finished` as the current thread's dispatcher, finished when this is dropped.
    pub fn on_this_thread(finished: Arc<Finished>) -> MarkFinished {
        let _ = finished.thread.set(std::thread::current().id());
        MarkFinished(finished)
    }
}

impl Drop for MarkFinished {
    fn drop(&mut self) {
        *self.0.done.lock().unwrap() = true;
        self.0.changed.notify_all();
    }
}
