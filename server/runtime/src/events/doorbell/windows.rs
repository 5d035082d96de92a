//! The event queue's doorbell on Windows, the twin of `unix.rs`'s eventfd: a manual-reset event,
//! signalled once rung until cleared, which a thread waits on beside other handles.

use std::io;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle, RawHandle};
use std::sync::OnceLock;
use std::time::Duration;

use windows_sys::Win32::Foundation::WAIT_OBJECT_0;
use windows_sys::Win32::System::Threading::{CreateEventW, ResetEvent, SetEvent, WaitForSingleObject};

pub struct Doorbell(OwnedHandle, OnceLock<OwnedHandle>);

impl Doorbell {
    /// A new doorbell, not rung.
    pub fn new() -> io::Result<Doorbell> {
        // SAFETY: an unnamed manual-reset event, not signalled, not inheritable.
        let raw = unsafe { CreateEventW(std::ptr::null(), 1, 0, std::ptr::null()) };
        if raw.is_null() {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: just made; nothing else owns it.
        Ok(Doorbell(unsafe { OwnedHandle::from_raw_handle(raw) }, OnceLock::new()))
    }

    /// Signals the event (from any thread), and the event `also_ring` added.
    pub fn ring(&self) {
        // SAFETY: an event we hold.
        unsafe { SetEvent(self.0.as_raw_handle()) };
        if let Some(also) = self.1.get() {
            // SAFETY: an event we hold (our own duplicate of it).
            unsafe { SetEvent(also.as_raw_handle()) };
        }
    }

    /// Makes every later ring signal `event` too (once; a second call is refused): a thread
    /// waits on one handle, and Windows cannot merge two events into one as epoll merges
    /// descriptors (the host's wake-up for the event queue and the libuv loop's I/O).
    pub fn also_ring(&self, event: OwnedHandle) -> io::Result<()> {
        self.1.set(event).map_err(|_| io::Error::other("the doorbell already rings another event"))
    }

    /// Unsignals it (rings since are forgotten: clear before looking at the state the rings
    /// announce, so a ring racing with the look is not lost).
    pub fn clear(&self) {
        // SAFETY: an event we hold.
        unsafe { ResetEvent(self.0.as_raw_handle()) };
    }

    /// The handle to wait on.
    pub fn fd(&self) -> RawHandle {
        self.0.as_raw_handle()
    }

    /// Blocks until rung or `timeout` passes.
    pub fn wait(&self, timeout: Duration) {
        let ms = timeout.as_millis().min(u128::from(u32::MAX - 1)) as u32;
        // SAFETY: an event we hold.
        unsafe { WaitForSingleObject(self.0.as_raw_handle(), ms) };
    }

    /// Whether it is rung, without waiting.
    pub fn is_rung(&self) -> bool {
        // SAFETY: an event we hold; no wait.
        unsafe { WaitForSingleObject(self.0.as_raw_handle(), 0) == WAIT_OBJECT_0 }
    }
}
