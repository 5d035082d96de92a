//! The host's wake-up for its libuv loop on Windows, the twin of `unix.rs`. A loop there
//! is an I/O completion port, which no wait can join: a watcher thread takes each packet from the
//! port and posts it back (as Electron pumps node's loop on Windows), then flags the I/O and
//! signals the host's wake-up event, and parks until the host has had a turn of the loop (which
//! takes the packet back), so it never takes its own packet twice. The event queue's doorbell
//! signals the same wake-up event (`EventQueue::also_wake`), so the host sleeps on one handle, as
//! it sleeps on one epoll set on Linux.

use std::io;
use std::os::windows::io::{AsRawHandle, OwnedHandle, RawHandle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use napi_libuv as uv;
use napi_link::streams::new_event;
use napi_runtime::events::EventQueue;
use windows_sys::Win32::Foundation::{DuplicateHandle, DUPLICATE_SAME_ACCESS, HANDLE};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, ResetEvent, SetEvent, WaitForSingleObject, INFINITE};
use windows_sys::Win32::System::IO::{GetQueuedCompletionStatus, PostQueuedCompletionStatus, OVERLAPPED};

/// The completion key of the packet that wakes the watcher to stop (with no OVERLAPPED, which
/// libuv skips if it takes it instead).
const STOP_KEY: usize = usize::MAX;

pub(in crate::uv_loop) struct LoopWake {
    shared: Arc<Shared>,
    watcher: Mutex<Option<JoinHandle<()>>>,
}

/// What the host thread and the watcher share.
struct Shared {
    /// The loop's completion port (libuv's to close).
    port: usize,
    /// Manual-reset: the host's one wake-up (I/O, or the event queue's doorbell).
    wake: OwnedHandle,
    /// Manual-reset: signalled while the watcher has flagged I/O the host has not turned for.
    io: OwnedHandle,
    /// Auto-reset: the host had a turn; the watcher may wait on the port again.
    resume: OwnedHandle,
    io_pending: AtomicBool,
    stop: AtomicBool,
}

impl LoopWake {
    pub(in crate::uv_loop) fn new(events: &EventQueue, raw: *mut uv::uv_loop_t) -> io::Result<LoopWake> {
        // SAFETY: the loop is initialised; its port lives until uv_loop_close, after `stop`.
        let port = unsafe { uv::napi_libuv_iocp(raw) } as usize;
        let shared = Arc::new(Shared {
            port,
            wake: new_event(true)?,
            io: new_event(true)?,
            resume: new_event(false)?,
            io_pending: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        });
        events.also_wake(duplicate(shared.wake.as_raw_handle())?)?;
        let watching = shared.clone();
        let watcher = std::thread::Builder::new().name("napi-host-uv-port".into()).spawn(move || watching.watch())?;
        // The watcher begins waiting on the port at once.
        // SAFETY: an event we hold.
        unsafe { SetEvent(shared.resume.as_raw_handle()) };
        Ok(LoopWake { shared, watcher: Mutex::new(Some(watcher)) })
    }

    /// Signalled when the event queue has tasks or the loop has I/O (reset by `before_sleep`).
    pub(in crate::uv_loop) fn fd(&self) -> RawHandle {
        self.shared.wake.as_raw_handle()
    }

    /// Signalled while the loop has I/O the host has not turned for.
    pub(in crate::uv_loop) fn io_signal(&self) -> RawHandle {
        self.shared.io.as_raw_handle()
    }

    pub(in crate::uv_loop) fn has_io(&self) -> bool {
        self.io_flagged()
    }

    /// Whether the watcher flagged I/O: a look at memory, for the spin.
    pub(in crate::uv_loop) fn io_flagged(&self) -> bool {
        self.shared.io_pending.load(Ordering::SeqCst)
    }

    /// Unsignals the wake-up before the host looks at what it announces (the event queue, the
    /// I/O flag) and sleeps: a signal that follows the look stays heard.
    pub(in crate::uv_loop) fn before_sleep(&self) {
        // SAFETY: an event we hold.
        unsafe { ResetEvent(self.shared.wake.as_raw_handle()) };
    }

    /// The loop had a turn, which took the packets the watcher posted back: it may wait again.
    pub(in crate::uv_loop) fn after_turn(&self) {
        if self.shared.io_pending.swap(false, Ordering::SeqCst) {
            // SAFETY: events we hold.
            unsafe {
                ResetEvent(self.shared.io.as_raw_handle());
                SetEvent(self.shared.resume.as_raw_handle());
            }
        }
    }

    /// Ends the watcher, before the loop's last run and close (only the host thread runs the
    /// loop, so the stop packet reaches the watcher, not libuv).
    pub(in crate::uv_loop) fn stop(&self) {
        let Some(watcher) = self.watcher.lock().unwrap_or_else(|p| p.into_inner()).take() else { return };
        self.shared.stop.store(true, Ordering::SeqCst);
        // SAFETY: the loop's open port; a packet with no OVERLAPPED, which libuv skips. The
        // resume wakes a watcher parked until a turn.
        unsafe {
            PostQueuedCompletionStatus(self.shared.port as HANDLE, 0, STOP_KEY, std::ptr::null());
            SetEvent(self.shared.resume.as_raw_handle());
        }
        let _ = watcher.join();
    }
}

impl Drop for LoopWake {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    fn watch(&self) {
        loop {
            // SAFETY: an event we hold.
            unsafe { WaitForSingleObject(self.resume.as_raw_handle(), INFINITE) };
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            let (mut bytes, mut key, mut overlapped) = (0u32, 0usize, std::ptr::null_mut::<OVERLAPPED>());
            // SAFETY: the loop's port, open until `stop` has joined this thread; valid
            // out-pointers. A failed I/O's packet comes with FALSE and its OVERLAPPED, whose
            // status libuv reads from the OVERLAPPED itself, so it goes back as it came.
            let got = unsafe { GetQueuedCompletionStatus(self.port as HANDLE, &mut bytes, &mut key, &mut overlapped, INFINITE) };
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            if got == 0 && overlapped.is_null() {
                // The port itself failed (closed): nothing more will come.
                return;
            }
            if !overlapped.is_null() {
                // SAFETY: gives libuv its packet back, unchanged.
                unsafe { PostQueuedCompletionStatus(self.port as HANDLE, bytes, key, overlapped) };
            }
            self.io_pending.store(true, Ordering::SeqCst);
            // SAFETY: events we hold.
            unsafe {
                SetEvent(self.io.as_raw_handle());
                SetEvent(self.wake.as_raw_handle());
            }
        }
    }
}

/// Our own handle to `event`, for the event queue's doorbell to keep.
fn duplicate(event: RawHandle) -> io::Result<OwnedHandle> {
    let mut out: HANDLE = std::ptr::null_mut();
    // SAFETY: pseudo-handles of this process and an event we hold; a valid out-pointer.
    let ok = unsafe { DuplicateHandle(GetCurrentProcess(), event, GetCurrentProcess(), &mut out, 0, 0, DUPLICATE_SAME_ACCESS) };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: just made; nothing else owns it.
    Ok(unsafe { std::os::windows::io::FromRawHandle::from_raw_handle(out) })
}
