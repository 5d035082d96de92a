//! The host's libuv loop (D63): one real libuv loop per host, which addons reach through
//! `napi_get_uv_event_loop` or `uv_default_loop()` and drive with `uv_*` calls of their own.
//!
//! It runs on the JS thread, pumped as Electron pumps node's loop inside Chromium's: the loop's
//! backend descriptor is part of the host's own wait and its timeout bounds it, and a turn
//! (`uv_run(UV_RUN_NOWAIT)`) runs when the loop has something to do. So an idle host still
//! sleeps, and neither the host's work nor the loop's starves the other (`Host::loop_turn_if_busy`).
//!
//! Only the thread that serves the host's loop (`Host::serve`) runs turns, at the top level under
//! the JS lock, never nested inside a request: libuv forbids re-entering `uv_run`, and a Python
//! callback of a libuv callback may call into the addon again. A direct call (in-process) may
//! change the loop (start a timer, poll a descriptor, close a handle); it then wakes the host
//! thread, which registers the change in its next turn (`Host::after_direct_call`).

use std::cell::Cell;
use std::io;
use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use napi_libuv as uv;
use napi_libuv::UvMemory;
use napi_link::streams::RawDescriptor;
use napi_runtime::events::EventQueue;

mod wake;

/// Whether an in-process host already runs `uv_default_loop()`: there is one per process, and
/// the first host takes it (as node's main thread has it); later hosts get loops of their own,
/// as node's worker threads do. A napi-hostd process has one host, which always gets it.
static DEFAULT_LOOP_TAKEN: AtomicBool = AtomicBool::new(false);

/// A libuv loop and what the host waits on for it.
pub(crate) struct UvLoop {
    raw: *mut uv::uv_loop_t,
    /// The memory libuv points into, freed only once the loop closed cleanly (`Drop`).
    memory: ManuallyDrop<LoopMemory>,
    /// Set by `close_all` once it ran.
    closed: Cell<bool>,
    /// The loop closed cleanly: its memory and the keep-alive handle's may be freed.
    released: Cell<bool>,
    /// Readable (signalled) when the event queue has tasks or the loop has I/O, for waits that
    /// take one extra descriptor: an epoll set of the two on Linux (`uv_loop/wake/linux.rs`), an
    /// event a watcher of the loop's completion port signals on Windows
    /// (`uv_loop/wake/windows.rs`).
    wake: wake::LoopWake,
    /// `timer_counter` when the host thread last slept: a direct call that started a timer
    /// changed it, and the host thread's timeout with it.
    timers_at_sleep: Cell<u64>,
    /// When the loop last had a turn while the host was busy (coarse clock ticks).
    busy_tick: Cell<u64>,
}

/// The memory of a host's loop and of its keep-alive handle, sized by libuv.
struct LoopMemory {
    /// The loop's own when it is not the default loop.
    own: Option<UvMemory>,
    /// A referenced async handle that never fires, as Electron keeps one: with only unreferenced
    /// handles active, `uv_backend_timeout` would answer 0 ("do not sleep") instead of the next
    /// timer. A host lives as long as Python holds it, whatever the loop's references say.
    #[allow(dead_code, reason = "owned for libuv, which points into it; Rust never reads it")]
    keepalive: UvMemory,
}

impl UvLoop {
    /// A loop for a new host: the default loop if nobody has it, else one of its own; `events`
    /// is the host's event queue.
    pub(crate) fn new(events: &EventQueue) -> io::Result<UvLoop> {
        let default = !DEFAULT_LOOP_TAKEN.swap(true, Ordering::AcqRel);
        let (raw, own) = if default {
            // SAFETY: initialises (once) and answers libuv's static default loop.
            let raw = unsafe { uv::uv_default_loop() };
            if raw.is_null() {
                DEFAULT_LOOP_TAKEN.store(false, Ordering::Release);
                return Err(io::Error::other("libuv could not initialise its default loop"));
            }
            (raw, None)
        } else {
            let own = UvMemory::for_loop();
            let raw = own.as_ptr();
            // SAFETY: `raw` is writable memory of a loop's size, which outlives the loop (it is
            // freed only after `uv_loop_close` succeeded, see `Drop`).
            check(unsafe { uv::uv_loop_init(raw) })?;
            (raw, Some(own))
        };
        let keepalive = UvMemory::for_handle(uv::UV_ASYNC);
        // SAFETY: a handle's memory that stays put until it is closed; no callback.
        check(unsafe { uv::uv_async_init(raw, keepalive.as_ptr(), None) })?;
        let wake = wake::LoopWake::new(events, raw)?;
        Ok(UvLoop {
            raw,
            memory: ManuallyDrop::new(LoopMemory { own, keepalive }),
            closed: Cell::new(false),
            released: Cell::new(false),
            wake,
            timers_at_sleep: Cell::new(0),
            busy_tick: Cell::new(0),
        })
    }

    /// What `napi_get_uv_event_loop` answers.
    pub(crate) fn as_ptr(&self) -> *mut uv::uv_loop_t {
        self.raw
    }

    /// Readable when the event queue has tasks or the loop has I/O; `before_sleep` first.
    pub(crate) fn wake_fd(&self) -> RawDescriptor {
        self.wake.fd()
    }

    /// Readable when the loop has I/O: its backend (epoll) descriptor on Linux, the watcher's
    /// event on Windows.
    pub(crate) fn io_signal(&self) -> RawDescriptor {
        self.wake.io_signal()
    }

    /// Called before the host looks at its work one last time and sleeps on `wake_fd`.
    pub(crate) fn before_sleep(&self) {
        self.wake.before_sleep();
    }

    /// Whether the loop needs a turn before the host may sleep: watchers to register with the
    /// kernel (a descriptor polled since the last turn), callbacks pending or closing, idle
    /// handles, or a timer due. No system call: the loop's clock is not read.
    pub(crate) fn needs_turn(&self) -> bool {
        // SAFETY: the loop is initialised and only the JS lock's holder (this thread) uses it;
        // both only read it.
        unsafe { uv::napi_libuv_has_new_watchers(self.raw) != 0 || uv::uv_backend_timeout(self.raw) == 0 }
    }

    /// How long the host may sleep before the loop's next timer (`None`: no timer). Reads the
    /// clock only when there is a timer.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        // SAFETY: as in `needs_turn`; `uv_update_time` writes the loop's clock, which only the
        // loop's users read.
        unsafe {
            self.timers_at_sleep.set(uv::napi_libuv_timer_counter(self.raw));
            if uv::uv_backend_timeout(self.raw) < 0 {
                return None;
            }
            uv::uv_update_time(self.raw);
            let ms = uv::uv_backend_timeout(self.raw);
            u64::try_from(ms).ok().map(|ms| Instant::now() + Duration::from_millis(ms))
        }
    }

    /// Whether a direct call changed the loop so that the sleeping host thread must look at it:
    /// a timer started, a descriptor to watch, a callback to run.
    pub(crate) fn changed_while_asleep(&self) -> bool {
        // SAFETY: read by the JS lock's holder; see `needs_turn`. One call on every direct
        // call's way out (the counter, the watchers and `uv_backend_timeout` were three).
        unsafe { uv::napi_libuv_changed_since(self.raw, self.timers_at_sleep.get()) != 0 }
    }

    /// Whether a `uv_async_send` (the pool's completions among them: libuv's `wq_async`) wait for
    /// the loop, its descriptor already written: for spins, which look at memory, not at the
    /// kernel. A few loads per async handle, no system call.
    pub(crate) fn async_pending(&self) -> bool {
        // SAFETY: the loop is initialised, and its list of async handles changes only on the
        // thread holding the JS lock (`uv_async_init`, `uv_close`), which is this one; the
        // senders' threads write each handle's flag atomically (server/libuv/src/loop_state.c).
        unsafe { uv::napi_libuv_async_pending(self.raw) != 0 || self.wake.io_flagged() }
    }

    /// Whether the loop has I/O ready now (a system call).
    pub(crate) fn has_io(&self) -> bool {
        self.wake.has_io()
    }

    /// Whether a busy host should look at the loop now: once per tick of the coarse clock
    /// (1-4 ms), a read of a shared page, no system call.
    pub(crate) fn busy_tick_passed(&self) -> bool {
        let tick = napi_link::spin::coarse_nanos() / 1_000_000;
        if tick == self.busy_tick.get() {
            return false;
        }
        self.busy_tick.set(tick);
        true
    }

    /// One turn: due timers, pending callbacks, idle, prepare, I/O without waiting, check,
    /// close callbacks. The caller provides the turn's handle scope and reports what it threw.
    pub(crate) fn run_once(&self) {
        // SAFETY: the loop is initialised; this thread is its only runner and not inside it.
        unsafe { uv::uv_run(self.raw, uv::UV_RUN_NOWAIT) };
        self.wake.after_turn();
    }

    /// At teardown, after the envs' cleanup hooks and finalizers (where addons close their
    /// handles, as node's order has it): closes every handle still open (without callbacks: the
    /// addon asked for none), then runs the loop until the close callbacks have run and the
    /// requests under way (work on the pool) have completed, and closes the loop.
    pub(crate) fn close_all(&self) {
        if self.closed.replace(true) {
            return;
        }
        self.wake.stop();
        // SAFETY: the loop is initialised; `close_open` only closes handles not already closing.
        unsafe { uv::uv_walk(self.raw, Some(close_open), ptr::null_mut()) };
        // SAFETY: as in `run_once`; UV_RUN_DEFAULT returns once nothing is active: every handle
        // is closing and every request completes.
        unsafe { uv::uv_run(self.raw, uv::UV_RUN_DEFAULT) };
        // SAFETY: the loop is initialised and nothing runs it.
        let closed = unsafe { uv::uv_loop_close(self.raw) };
        if closed != 0 {
            // Its memory stays (see `Drop`): something still points into it.
            tracing::warn!("the libuv loop did not close: {}", error_name(closed));
            return;
        }
        if self.memory.own.is_none() {
            // Closed, the default loop is initialised afresh by the next host's uv_default_loop.
            DEFAULT_LOOP_TAKEN.store(false, Ordering::Release);
        }
        self.released.set(true);
    }
}

impl Drop for UvLoop {
    fn drop(&mut self) {
        if !self.released.get() {
            // Not closed (a host that did not shut down, or handles that would not close): libuv
            // may still point into the loop and the keep-alive handle, so their memory stays.
            return;
        }
        // SAFETY: dropped once, here; the loop closed, so libuv points into none of it.
        unsafe { ManuallyDrop::drop(&mut self.memory) }
    }
}

/// `uv_walk`'s callback at teardown: closes a handle nobody closed.
unsafe extern "C" fn close_open(handle: *mut uv::uv_handle_t, _: *mut std::ffi::c_void) {
    // SAFETY: libuv hands us a live handle of the loop being walked.
    unsafe {
        if uv::uv_is_closing(handle) == 0 {
            uv::uv_close(handle, None);
        }
    }
}

fn check(status: i32) -> io::Result<()> {
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::other(format!("libuv: {}", error_name(status))))
    }
}

fn error_name(status: i32) -> String {
    // SAFETY: uv_err_name answers a static string for any status.
    unsafe { std::ffi::CStr::from_ptr(uv::uv_err_name(status)) }.to_string_lossy().into_owned()
}
