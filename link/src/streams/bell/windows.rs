//! The bell beside the rings on Windows, the twin of `unix.rs`: a named pipe that carries
//! the handles of segments and the hang-up, and a pair of auto-reset events for the wake-ups.
//!
//! A wake-up is an event set (`SetEvent` never blocks, and a set event that the peer has not
//! waited on yet already holds the wake-up, as a full socket does on Linux). The pipe always has
//! one overlapped read pending, so that a sleeper waiting on its event wakes when a handle
//! arrives, when the peer hangs up, and when the peer dies (the read fails with
//! `ERROR_BROKEN_PIPE`).
//!
//! Windows has no `SCM_RIGHTS`: a handle crosses by `DuplicateHandle`, which needs a handle to
//! the other process. Only the client holds one (of the host it started): it pushes its handles
//! into the host and pulls the host's out of it, closing them there (`HandleCarrier::Holder`);
//! the host is never given a handle to its client, which would let it take any of the client's
//! handles, and sends the values of handles it duplicated for the client to pull
//! (`HandleCarrier::Held`). A handle's value travels on the pipe as 8 bytes, little-endian;
//! `u64::MAX` is the hang-up.

use std::collections::VecDeque;
use std::io;
use std::os::windows::io::{AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle, RawHandle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Ready;
use windows_sys::Win32::Foundation::{
    DuplicateHandle, GetLastError, DUPLICATE_CLOSE_SOURCE, DUPLICATE_SAME_ACCESS, ERROR_IO_INCOMPLETE, ERROR_IO_PENDING,
    ERROR_OPERATION_ABORTED, GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE, WAIT_OBJECT_0, WAIT_TIMEOUT,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, ReadFile, WriteFile, FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_OVERLAPPED, OPEN_EXISTING, PIPE_ACCESS_DUPLEX,
};
use windows_sys::Win32::System::Pipes::{CreateNamedPipeW, PIPE_READMODE_BYTE, PIPE_REJECT_REMOTE_CLIENTS, PIPE_TYPE_BYTE, PIPE_WAIT};
use windows_sys::Win32::System::Threading::{
    CreateEventW, GetCurrentProcess, SetEvent, WaitForMultipleObjects, WaitForSingleObject, INFINITE,
};
use windows_sys::Win32::System::IO::{CancelIoEx, GetOverlappedResult, OVERLAPPED};

use crate::shm::MAX_QUEUED_FDS;

/// Handles received and not yet claimed by an announcement.
pub type FdQueue = Arc<Mutex<VecDeque<OwnedHandle>>>;

/// What a wait can wait on besides the bell: a handle that stays signalled while ready.
pub type RawDescriptor = RawHandle;

/// The value on the pipe that says nothing more will come.
const HANG_UP: u64 = u64::MAX;

/// How this side moves handles to the peer (see the module's comment).
#[derive(Debug)]
pub enum HandleCarrier {
    /// The client: a handle to the host's process (`PROCESS_DUP_HANDLE`).
    Holder(OwnedHandle),
    /// The host: handles reach it already duplicated into it.
    Held,
}

/// What connects the two ends: one end of a named pipe opened for overlapped I/O, this side's
/// wake-up event and a handle to the peer's, and how handles cross.
#[derive(Debug)]
pub struct Connection {
    pub pipe: OwnedHandle,
    pub wake_in: OwnedHandle,
    pub wake_out: OwnedHandle,
    pub handles: HandleCarrier,
}

impl Connection {
    /// Both ends of a new connection inside this process, the first holding a handle to "the
    /// peer's" process, its own: the tests', the same paths as between two processes.
    pub fn pair() -> io::Result<(Connection, Connection)> {
        let (server, client) = pipe_pair()?;
        let (first_wake, second_wake) = (new_event(false)?, new_event(false)?);
        // SAFETY: pseudo-handles of this process; the duplicate is a real handle to it.
        let this = unsafe { OwnedHandle::from_raw_handle(duplicate(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(), 0)?) };
        let first = Connection {
            pipe: server,
            wake_in: first_wake.try_clone()?,
            wake_out: second_wake.try_clone()?,
            handles: HandleCarrier::Holder(this),
        };
        let second = Connection { pipe: client, wake_in: second_wake, wake_out: first_wake, handles: HandleCarrier::Held };
        Ok((first, second))
    }
}

/// The two ends of a new named pipe, both opened for overlapped I/O: a name no other pipe has
/// (this process's id, a count, the clock), one instance, local clients only.
fn pipe_pair() -> io::Result<(OwnedHandle, OwnedHandle)> {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let name = format!(r"\\.\pipe\napi-python-{}-{}-{nanos}", std::process::id(), COUNT.fetch_add(1, Ordering::Relaxed));
    let wide: Vec<u16> = name.encode_utf16().chain(std::iter::once(0)).collect();
    let open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE;
    let pipe_mode = PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS;
    // SAFETY: a NUL-terminated name; no security attributes (the default: this user only).
    let raw = unsafe { CreateNamedPipeW(wide.as_ptr(), open_mode, pipe_mode, 1, 4096, 4096, 0, std::ptr::null()) };
    if raw == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: just made; nothing else owns it.
    let server = unsafe { OwnedHandle::from_raw_handle(raw) };
    // SAFETY: as above, opening the pipe just made.
    let raw = unsafe {
        CreateFileW(
            wide.as_ptr(),
            GENERIC_READ | GENERIC_WRITE,
            0,
            std::ptr::null(),
            OPEN_EXISTING,
            FILE_FLAG_OVERLAPPED,
            std::ptr::null_mut(),
        )
    };
    if raw == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: just opened; nothing else owns it.
    let client = unsafe { OwnedHandle::from_raw_handle(raw) };
    Ok((server, client))
}

/// The read kept pending on the pipe; its memory stays put (boxed) while the system writes it.
struct PendingRead {
    overlapped: OVERLAPPED,
    done: OwnedHandle,
    buf: [u8; 512],
    in_flight: bool,
    /// The first bytes of a handle value whose rest has not come yet.
    partial: Vec<u8>,
}

pub(in crate::streams) struct Bell {
    link: Connection,
    read: Mutex<Box<PendingRead>>,
    pub(in crate::streams) fds: FdQueue,
    hung_up: AtomicBool,
}

// SAFETY: the OVERLAPPED's raw pointers and handles are used only under the mutex, and the
// system writes them only while the read is in flight, which `Drop` ends before freeing them.
unsafe impl Send for PendingRead {}

/// A new unnamed event, auto-reset (`manual`: false) or manual-reset, not signalled.
pub fn new_event(manual: bool) -> io::Result<OwnedHandle> {
    // SAFETY: no name, no security attributes: a new event only this process holds.
    let raw = unsafe { CreateEventW(std::ptr::null(), manual.into(), 0, std::ptr::null()) };
    if raw.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: just made; nothing else owns it.
    Ok(unsafe { OwnedHandle::from_raw_handle(raw) })
}

/// `DuplicateHandle` from process `from` to process `to` (raw handles, pseudo-handles allowed).
fn duplicate(from: HANDLE, handle: HANDLE, to: HANDLE, options: u32) -> io::Result<HANDLE> {
    let mut out: HANDLE = std::ptr::null_mut();
    // SAFETY: plain handles and a valid out-pointer; the system checks every handle.
    if unsafe { DuplicateHandle(from, handle, to, &mut out, 0, 0, DUPLICATE_SAME_ACCESS | options) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(out)
}

impl Bell {
    pub(in crate::streams) fn beside(link: Connection) -> Arc<Bell> {
        let done = new_event(true).expect("an event for the pipe's reads");
        let read = Box::new(PendingRead {
            // SAFETY: OVERLAPPED is plain data; zero is its documented start.
            overlapped: unsafe { std::mem::zeroed() },
            done,
            buf: [0; 512],
            in_flight: false,
            partial: Vec::new(),
        });
        let bell = Arc::new(Bell { link, read: Mutex::new(read), fds: FdQueue::default(), hung_up: AtomicBool::new(false) });
        bell.collect();
        bell
    }

    /// Wakes the peer; never blocks.
    pub(in crate::streams) fn ring(&self) {
        // SAFETY: sets an event we hold a handle to.
        unsafe { SetEvent(self.link.wake_out.as_raw_handle()) };
    }

    /// Takes what the pipe brought (handles queued, the hang-up remembered) and keeps a read
    /// pending. `block`: first waits for a wake-up or the pipe (see `wait_for`).
    pub(in crate::streams) fn drain(&self, block: bool) -> io::Result<()> {
        if block {
            self.wait_for(None, None)?;
        }
        self.collect();
        Ok(())
    }

    /// Fails when more than MAX_QUEUED_FDS handles wait for their announcements as the reader
    /// goes to sleep: its ring is empty then, so they have none (a peer writes each handle just
    /// before the frame that announces it). Not when it wakes: a read of the pipe brings many
    /// handles at once (one of a socket brings one), and the announcements of those may be
    /// in the ring by then, behind the bytes the wake-up was for.
    fn check_queued(&self) -> io::Result<()> {
        let mut queued = self.fds.lock().unwrap();
        if queued.len() > MAX_QUEUED_FDS {
            // Closed here: nothing will ever claim them.
            queued.clear();
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("more than {MAX_QUEUED_FDS} handles arrived without their announcements"),
            ));
        }
        Ok(())
    }

    /// Takes in the handle sent ahead of an announcement just read, waiting up to `patience` for
    /// the pipe's read to complete: the peer wrote the handle before the announcement, but the
    /// read that brings it completes on its own time (under wine, once wineserver relayed it).
    pub(in crate::streams) fn await_handle(&self, patience: Duration) -> io::Result<()> {
        let deadline = Instant::now() + patience;
        loop {
            self.drain(false)?;
            let left = deadline.saturating_duration_since(Instant::now());
            if !self.fds.lock().unwrap().is_empty() || self.hung_up() || left.is_zero() {
                return Ok(());
            }
            let done = self.read.lock().unwrap().done.as_raw_handle();
            let ms = left.as_micros().div_ceil(1000).min(u128::from(INFINITE - 1)) as u32;
            // SAFETY: the read's event, which this side holds; signalled when the read completes.
            unsafe { WaitForSingleObject(done, ms) };
        }
    }

    pub(in crate::streams) fn hung_up(&self) -> bool {
        self.hung_up.load(Ordering::SeqCst)
    }

    /// Whether the peer is gone or stopped sending (what the pipe brought is taken in first).
    pub(in crate::streams) fn peer_gone(&self) -> bool {
        self.collect();
        self.hung_up()
    }

    /// Sleeps until a wake-up, the pipe or `also` is ready or `deadline` passes: whether the
    /// bell and `also` are ready (`None` on timeout).
    pub(in crate::streams) fn sleep(&self, also: Option<RawHandle>, deadline: Option<Instant>) -> io::Result<Option<Ready>> {
        Ok(self.wait_for(also, deadline)?.map(|index| Ready { bell: index != 2, also: index == 2 }))
    }

    /// Waits on the wake-up event, the pipe's read and `also`: the index of the one that ended
    /// the wait, `None` at the deadline.
    fn wait_for(&self, also: Option<RawHandle>, deadline: Option<Instant>) -> io::Result<Option<usize>> {
        self.check_queued()?;
        let done = self.read.lock().unwrap().done.as_raw_handle();
        let handles: Vec<HANDLE> = [self.link.wake_in.as_raw_handle(), done].into_iter().chain(also).collect();
        loop {
            let ms = match deadline {
                None => INFINITE,
                // Rounded up: a wait that returns a little early would only loop.
                Some(d) => d.saturating_duration_since(Instant::now()).as_micros().div_ceil(1000).min(u128::from(INFINITE - 1)) as u32,
            };
            // SAFETY: handles this side holds for the duration of the call.
            let woken = unsafe { WaitForMultipleObjects(handles.len() as u32, handles.as_ptr(), 0, ms) };
            if woken == WAIT_TIMEOUT {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Ok(None);
                }
                continue;
            }
            let index = woken.wrapping_sub(WAIT_OBJECT_0) as usize;
            if index < handles.len() {
                return Ok(Some(index));
            }
            return Err(io::Error::last_os_error());
        }
    }

    /// Takes in every read that completed and starts the next, until one is left pending, the
    /// pipe ends, or more than MAX_QUEUED_FDS handles wait (then the rest stays in the pipe,
    /// whose writer blocks once it is full, as a socket's would: a read of the pipe brings many
    /// handles at once where one of a socket brings one, and a peer writing without pause
    /// would otherwise keep this loop taking them forever).
    fn collect(&self) {
        let mut read = self.read.lock().unwrap();
        loop {
            if read.in_flight {
                let mut n = 0u32;
                // SAFETY: the read's own OVERLAPPED, still alive; no wait.
                let ok = unsafe { GetOverlappedResult(self.link.pipe.as_raw_handle(), &read.overlapped, &mut n, 0) } != 0;
                // SAFETY: no arguments.
                if !ok && unsafe { GetLastError() } == ERROR_IO_INCOMPLETE {
                    return;
                }
                read.in_flight = false;
                // SAFETY: no arguments.
                if !ok && unsafe { GetLastError() } == ERROR_OPERATION_ABORTED {
                    // The thread that started the read ended, and Windows cancels the I/O a
                    // thread leaves pending as it ends (only `Drop` cancels it otherwise, and
                    // reads nothing after): the pipe is fine, read again. A host started from a
                    // Python thread that then ended was killed as one that hung up.
                    continue;
                }
                if !ok {
                    // Broken pipe (the peer died or closed) or any other failure: a hang-up.
                    self.hung_up.store(true, Ordering::SeqCst);
                    return;
                }
                self.took(&mut read, n as usize);
            }
            if self.hung_up() || self.fds.lock().unwrap().len() > MAX_QUEUED_FDS {
                return;
            }
            let read = &mut **read;
            // SAFETY: OVERLAPPED is plain data; the event is reset by ReadFile.
            read.overlapped = unsafe { std::mem::zeroed() };
            read.overlapped.hEvent = read.done.as_raw_handle();
            // SAFETY: the buffer and OVERLAPPED live in the box until the read completes or
            // `Drop` cancels it and waits for that.
            let started = unsafe {
                ReadFile(
                    self.link.pipe.as_raw_handle(),
                    read.buf.as_mut_ptr(),
                    read.buf.len() as u32,
                    std::ptr::null_mut(),
                    &mut read.overlapped,
                )
            };
            // SAFETY: no arguments.
            if started == 0 && unsafe { GetLastError() } != ERROR_IO_PENDING {
                self.hung_up.store(true, Ordering::SeqCst);
                return;
            }
            // Pending, or done at once (its result is read at the top of the loop).
            read.in_flight = true;
        }
    }

    /// The `n` bytes a read brought: handle values, whole or in part.
    fn took(&self, read: &mut PendingRead, n: usize) {
        let bytes = read.buf[..n].to_vec();
        read.partial.extend_from_slice(&bytes);
        let whole = read.partial.len() / 8 * 8;
        let values: Vec<u64> = read.partial[..whole].chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
        read.partial.drain(..whole);
        for value in values {
            if value == HANG_UP {
                self.hung_up.store(true, Ordering::SeqCst);
                continue;
            }
            if let Some(handle) = self.received(value as usize as HANDLE) {
                self.fds.lock().unwrap().push_back(handle);
            }
        }
    }

    /// A handle whose value the peer sent, made this process's own. A value the host sent that
    /// names nothing it holds is dropped: the announcement that follows then finds no handle
    /// and fails.
    fn received(&self, value: HANDLE) -> Option<OwnedHandle> {
        let raw = match &self.link.handles {
            HandleCarrier::Holder(peer) => {
                // SAFETY: GetCurrentProcess returns a pseudo-handle; DuplicateHandle checks the value.
                let this_process = unsafe { GetCurrentProcess() };
                duplicate(peer.as_raw_handle(), value, this_process, DUPLICATE_CLOSE_SOURCE).ok()?
            }
            HandleCarrier::Held => value,
        };
        // SAFETY: a handle of this process that the peer gave us and nothing else owns.
        Some(unsafe { OwnedHandle::from_raw_handle(raw) })
    }

    /// Sends `handle`, ahead of the frame that announces it.
    pub(in crate::streams) fn send_descriptor(&self, handle: BorrowedHandle<'_>) -> io::Result<()> {
        // SAFETY: pseudo-handle of this process.
        let this = unsafe { GetCurrentProcess() };
        let value = match &self.link.handles {
            HandleCarrier::Holder(peer) => duplicate(this, handle.as_raw_handle(), peer.as_raw_handle(), 0)?,
            // The peer pulls it out of this process and closes it here.
            HandleCarrier::Held => duplicate(this, handle.as_raw_handle(), this, 0)?,
        };
        self.write(value as usize as u64)
    }

    /// Nothing more will come from this side.
    pub(in crate::streams) fn hang_up(&self) -> io::Result<()> {
        self.write(HANG_UP)
    }

    /// Writes one value to the pipe, waiting for the write to complete.
    fn write(&self, value: u64) -> io::Result<()> {
        let done = new_event(true)?;
        // SAFETY: OVERLAPPED is plain data.
        let mut overlapped: OVERLAPPED = unsafe { std::mem::zeroed() };
        overlapped.hEvent = done.as_raw_handle();
        let bytes = value.to_le_bytes();
        let mut n = 0u32;
        // SAFETY: the bytes and OVERLAPPED outlive the write: it is waited for below.
        let started = unsafe { WriteFile(self.link.pipe.as_raw_handle(), bytes.as_ptr(), 8, std::ptr::null_mut(), &mut overlapped) };
        // SAFETY: no arguments.
        if started == 0 && unsafe { GetLastError() } != ERROR_IO_PENDING {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the write's own OVERLAPPED; waits for it.
        if unsafe { GetOverlappedResult(self.link.pipe.as_raw_handle(), &overlapped, &mut n, 1) } == 0 {
            return Err(io::Error::last_os_error());
        }
        if n != 8 {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "the pipe took part of a handle's value"));
        }
        Ok(())
    }
}

impl Drop for Bell {
    fn drop(&mut self) {
        let read = self.read.get_mut().unwrap();
        if read.in_flight {
            let mut n = 0u32;
            // SAFETY: cancels our own read and waits until the system no longer writes its memory.
            unsafe {
                CancelIoEx(self.link.pipe.as_raw_handle(), &read.overlapped);
                GetOverlappedResult(self.link.pipe.as_raw_handle(), &read.overlapped, &mut n, 1);
            }
        }
    }
}
