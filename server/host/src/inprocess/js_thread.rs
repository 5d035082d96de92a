//! A host whose JS thread is the Python thread that started it (`js_thread="current"`), as
//! Node's one JS thread: that thread's calls are direct, whatever libraries are loaded (an
//! addon's thread-local state is filled by its init on that thread and read there), and
//! everything else that runs JS runs on it too, whenever it is inside a call of the host's or
//! one of the host's waits ([`InProcess::run_due_work`], [`InProcess::wait_on_js_thread`]).
//!
//! The host thread then runs no JS: it watches (`Host::watch_for_js_thread`, in `serve`) what would have
//! given it a turn (a request by message, a task another thread posted, the libuv loop's I/O or
//! next timer), files the requests in the backlog, and tells the JS thread there is work
//! (`js_due`, and its bell rung, for a JS thread asleep in a wait of the host's). Until that
//! thread comes, the work waits, as a Node callback waits for the JS thread to go back to its
//! loop. A call made on another thread goes by message, so it too waits for the JS thread.
//!
//! Should the JS thread end without closing the host, nothing would run that work: the thread
//! tells its hosts as it ends ([`JsThreadOf`]), and the host thread refuses, at once, what waits
//! for it and what comes after (`Host::watch_for_js_thread`). The teardown runs as before, on
//! the host thread, once the host is closed.

use std::cell::RefCell;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Instant;

use napi_link::streams::RawDescriptor;
use napi_runtime::events::EventQueue;

use super::platform;
use super::share::InProcess;
use napi_runtime::current::this_thread;

thread_local! {
    /// The hosts this thread is the JS thread of, told when it ends.
    static JS_THREAD_OF: RefCell<JsThreadOf> = const { RefCell::new(JsThreadOf(Vec::new())) };
}

/// The hosts a thread is the JS thread of; dropped as the thread ends (its thread-local's
/// destructor), which tells each host still alive.
struct JsThreadOf(Vec<Weak<InProcess>>);

impl Drop for JsThreadOf {
    fn drop(&mut self) {
        for host in self.0.drain(..) {
            if let Some(host) = host.upgrade() {
                host.js_thread_ends();
            }
        }
    }
}

impl InProcess {
    /// Makes the calling thread this host's JS thread, before the host thread starts.
    pub fn make_this_the_js_thread(self: &Arc<Self>) {
        self.host_thread.store(this_thread(), Ordering::Relaxed);
        self.js_thread_is_callers.store(true, Ordering::Release);
        JS_THREAD_OF.with(|hosts| {
            let mut hosts = hosts.borrow_mut();
            hosts.0.retain(|host| host.strong_count() > 0);
            hosts.0.push(Arc::downgrade(self));
        });
    }

    /// The JS thread ends: no thread is it from now on (a thread made later may be given the
    /// ended one's id), so every call goes by message, and the host thread, woken, refuses them.
    fn js_thread_ends(&self) {
        self.host_thread.store(0, Ordering::SeqCst);
        // Before the ring, SeqCst: the host thread clears its bell, then looks (`watch`).
        self.js_thread_ended.store(true, Ordering::SeqCst);
        self.bell.ring();
    }

    /// Whether the JS thread ended without closing the host (`js_thread_ends`).
    pub(crate) fn js_thread_has_ended(&self) -> bool {
        self.js_thread_ended.load(Ordering::SeqCst)
    }

    /// Whether the host's JS thread is the thread that started it (`make_this_the_js_thread`).
    #[inline]
    pub fn js_thread_is_callers(&self) -> bool {
        self.js_thread_is_callers.load(Ordering::Relaxed)
    }

    /// Whether work waits for the JS thread (looked at after each of its top-level calls).
    #[inline]
    pub fn js_work_due(&self) -> bool {
        self.js_due.load(Ordering::Relaxed)
    }

    /// The JS thread, outside any call of the host's: runs what waits for it (requests by
    /// message, other threads' tasks, the libuv loop's due callbacks), taking the JS lock. The
    /// caller lets go of its interpreter's lock first: the Python calls of these turns take it.
    pub fn run_due_work(&self) {
        if !self.on_host_thread() || self.js.held_here() {
            return;
        }
        let held = self.js.hold();
        // Cleared before the work: what comes meanwhile sets it again.
        self.js_due.store(false, Ordering::SeqCst);
        let host = self.host.load(Ordering::Acquire);
        // SAFETY: as in `serve_held`: set and cleared under the JS lock, held here.
        if let Some(host) = unsafe { host.as_ref() } {
            host.run_for_js_thread();
        }
        drop(held);
        // The host thread looks again: at the loop's next timer above all.
        self.ring_if_idle();
    }

    /// The JS thread waits for work, up to `deadline`, running it as it comes (see
    /// [`InProcess::run_due_work`]); returns after a round of work, when woken
    /// ([`InProcess::wake_js_thread`]), or at the deadline.
    pub fn wait_on_js_thread(&self, deadline: Option<Instant>) {
        self.js_bell.clear();
        if self.js_work_due() {
            self.run_due_work();
            return;
        }
        platform::sleep_on([self.js_bell.fd()], deadline);
        self.run_due_work();
    }

    /// What the JS thread's bell is heard on: readable (signalled) while work waits for it.
    pub fn js_bell_fd(&self) -> RawDescriptor {
        self.js_bell.fd()
    }

    /// Wakes the JS thread if it waits in [`InProcess::wait_on_js_thread`] (what it waits for
    /// came: a promise settled).
    pub fn wake_js_thread(&self) {
        self.js_bell.ring();
    }

    /// The host thread, watching for the JS thread: lets go of the JS lock; tells the JS thread
    /// of the work `due` now, or sleeps until the client writes, a task is posted, the loop's
    /// descriptor `uv` is readable or its `deadline` passes, and tells it then; takes the lock
    /// back. With work told and not yet run it sleeps on its bell alone, which the JS thread
    /// rings once it ran it.
    pub(crate) fn watch(&self, due: bool, events: &EventQueue, uv: RawDescriptor, deadline: Option<Instant>) {
        self.js.unlock();
        if due {
            self.tell_js_thread();
        }
        loop {
            self.bell.clear();
            self.host_idle.store(true, Ordering::SeqCst);
            if self.mail.swap(false, Ordering::SeqCst) || self.loop_changed.swap(false, Ordering::SeqCst) {
                break;
            }
            if self.js_thread_has_ended() {
                // The work `due` is refused now (`Host::watch_for_js_thread`). Nothing runs the
                // loop's work or the tasks any more: only the client's mail (requests to
                // refuse, the hang-up) wakes it.
                if !due && !self.mail.load(Ordering::SeqCst) {
                    platform::sleep_on([self.bell.fd()], None);
                }
                break;
            }
            if self.js_due.load(Ordering::SeqCst) {
                platform::sleep_on([self.bell.fd()], None);
                if self.js_due.load(Ordering::SeqCst) && !self.mail.load(Ordering::SeqCst) {
                    continue;
                }
                break;
            }
            let slept = platform::sleep_on([self.bell.fd(), events.fd(), uv], deadline);
            if slept.last_ready || slept.timed_out || !events.is_empty() {
                self.tell_js_thread();
            }
            break;
        }
        self.host_idle.store(false, Ordering::SeqCst);
        self.js.lock();
    }

    fn tell_js_thread(&self) {
        self.js_due.store(true, Ordering::SeqCst);
        self.js_bell.ring();
    }
}
