//! What the streams' tests need of Linux and macOS: a connected pair, a descriptor that is
//! ready, a thread held on one CPU.

use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::thread;

pub fn connection_pair() -> (UnixStream, UnixStream) {
    UnixStream::pair().unwrap()
}

/// A descriptor that polls readable, for as long as this lives.
pub struct Ready {
    _writer: UnixStream,
    reader: UnixStream,
}

impl Ready {
    pub fn raw(&self) -> RawFd {
        self.reader.as_raw_fd()
    }
}

pub fn ready_descriptor() -> Ready {
    let (mut writer, reader) = UnixStream::pair().unwrap();
    writer.write_all(b"!").unwrap();
    Ready { _writer: writer, reader }
}

/// A descriptor no wait reaches (the wait returns before it sleeps).
pub fn nothing_to_wait_on() -> RawFd {
    -1
}

/// Runs `f` on a thread allowed on CPU 0 only, where waits skip the spin and always sleep. macOS
/// binds no thread to a CPU (its affinity tags are hints, which Apple silicon ignores): there `f`
/// runs on a thread of its own, whose waits may spin before they sleep.
pub fn on_one_cpu<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> thread::JoinHandle<T> {
    thread::spawn(move || {
        #[cfg(target_os = "linux")]
        // SAFETY: a zeroed cpu_set_t is valid; the calls write inside it.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(0, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
        }
        f()
    })
}
