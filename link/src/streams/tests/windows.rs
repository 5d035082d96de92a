//! What the streams' tests need of Windows: a connected pair (one named pipe, two events, the
//! first end holding a handle to "the peer's" process, here its own), a handle that is
//! signalled, a thread held on one CPU.

use std::os::windows::io::{AsRawHandle, OwnedHandle, RawHandle};
use std::thread;

use windows_sys::Win32::System::Threading::{GetCurrentThread, SetEvent, SetThreadAffinityMask};

use crate::streams::new_event;
use crate::streams::Connection;

pub fn connection_pair() -> (Connection, Connection) {
    Connection::pair().unwrap()
}

/// A manual-reset event, set.
pub struct Ready(OwnedHandle);

impl Ready {
    pub fn raw(&self) -> RawHandle {
        self.0.as_raw_handle()
    }
}

pub fn ready_descriptor() -> Ready {
    let event = new_event(true).unwrap();
    // SAFETY: sets an event we hold.
    unsafe { SetEvent(event.as_raw_handle()) };
    Ready(event)
}

/// A handle no wait reaches (the wait returns before it sleeps).
pub fn nothing_to_wait_on() -> RawHandle {
    std::ptr::null_mut()
}

/// Runs `f` on a thread allowed on CPU 0 only, where waits skip the spin and always sleep.
pub fn on_one_cpu<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> thread::JoinHandle<T> {
    thread::spawn(move || {
        // SAFETY: the pseudo-handle of this thread.
        unsafe { SetThreadAffinityMask(GetCurrentThread(), 1) };
        f()
    })
}
