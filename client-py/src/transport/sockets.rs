//! The client's end of the two sockets of a `napi-hostd` process: requests, replies and the
//! calls of requests on the main one; what the event dispatcher runs on the other. Segment
//! descriptors ride on their announcements' frames (SCM_RIGHTS).

use std::io::{BufReader, BufWriter, Write};
use std::net::Shutdown;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::Mutex;
use std::time::Instant;

use napi_protocol::frame::{encode, read_message, write_message, FrameError, HEADER_LEN};
use napi_protocol::shm::{send_with_fd, FdQueue, FdReader};
use napi_protocol::spin::{spin_until_readable, SPIN};
use napi_protocol::{ClientMessage, ServerMessage, DEFAULT_MAX_FRAME};

use super::Transport;
use crate::process::Sockets;

pub struct SocketPair {
    writer: Mutex<BufWriter<UnixStream>>,
    reader: Mutex<BufReader<FdReader>>,
    /// The event socket: only the event dispatcher reads it.
    events: Mutex<BufReader<FdReader>>,
    /// Descriptors of the host's segments, as they arrive on each socket.
    reader_fds: FdQueue,
    events_fds: FdQueue,
}

impl SocketPair {
    pub fn new(sockets: Sockets) -> std::io::Result<SocketPair> {
        let Sockets { main: stream, events } = sockets;
        let reader = FdReader::new(stream.try_clone()?);
        let events = FdReader::new(events);
        let (reader_fds, events_fds) = (reader.fds(), events.fds());
        Ok(SocketPair {
            writer: Mutex::new(BufWriter::new(stream)),
            reader: Mutex::new(BufReader::with_capacity(64 << 10, reader)),
            events: Mutex::new(BufReader::with_capacity(64 << 10, events)),
            reader_fds,
            events_fds,
        })
    }
}

impl Transport for SocketPair {
    fn send(&self, before: Vec<ClientMessage>, msg: ClientMessage) -> Result<(), FrameError> {
        let mut w = self.writer.lock().unwrap();
        before.iter().chain([&msg]).try_for_each(|m| write_message(&mut *w, m))?;
        w.flush().map_err(FrameError::Io)
    }

    fn announce_segment(&self, id: u32, size: u64, fd: BorrowedFd<'_>) -> std::io::Result<()> {
        let frame = encode(&ClientMessage::Segment { id, size }).map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut w = self.writer.lock().unwrap();
        w.flush()?;
        send_with_fd(w.get_ref(), &frame, fd)
    }

    fn read(&self, deadline: Option<Instant>) -> Result<Option<ServerMessage>, FrameError> {
        let mut reader = self.reader.lock().unwrap();
        if reader.buffer().is_empty() {
            // The answer usually comes within microseconds: look for it before sleeping.
            spin_until_readable(&[reader.get_ref().as_raw_fd()], SPIN);
        }
        if let Some(d) = deadline {
            // Only an empty buffer can block; a frame already begun arrives whole.
            if reader.buffer().is_empty() && !readable(reader.get_ref().stream(), d) {
                return Ok(None);
            }
        }
        read_message::<ServerMessage>(&mut *reader, DEFAULT_MAX_FRAME).map(Some)
    }

    fn ready(&self) -> bool {
        // Only what was read already: asking the socket is a system call, which would cost
        // more than the look saves.
        self.reader.try_lock().is_ok_and(|r| whole_frame(r.buffer()))
    }

    fn watchable(&self) -> bool {
        false
    }

    fn next_event(&self) -> Option<ServerMessage> {
        let mut events = self.events.lock().unwrap();
        if events.buffer().is_empty() {
            // Events often come in bursts (a threadsafe function fed in a loop).
            spin_until_readable(&[events.get_ref().as_raw_fd()], SPIN);
        }
        read_message::<ServerMessage>(&mut *events, DEFAULT_MAX_FRAME).ok()
    }

    fn buffered_event(&self) -> Option<ServerMessage> {
        let mut events = self.events.lock().unwrap();
        if !whole_frame(events.buffer()) {
            return None;
        }
        read_message::<ServerMessage>(&mut *events, DEFAULT_MAX_FRAME).ok()
    }

    fn take_fd(&self, events: bool) -> Option<OwnedFd> {
        let fds = if events { &self.events_fds } else { &self.reader_fds };
        fds.lock().unwrap().pop_front()
    }

    fn hang_up(&self) {
        let _ = self.writer.lock().unwrap().get_ref().shutdown(Shutdown::Write);
    }
}

/// Waits until `stream` has something to read (or is closed), or `deadline` passes.
fn readable(stream: &UnixStream, deadline: Instant) -> bool {
    let mut pfd = libc::pollfd { fd: stream.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // Rounded up: a poll that returns a little early would only loop.
        let ms = (left.as_micros().div_ceil(1000)).min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd, for as long as the call.
        match unsafe { libc::poll(&mut pfd, 1, ms) } {
            0 if Instant::now() >= deadline => return false,
            -1 if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) => return true,
            n if n > 0 => return true,
            _ => {}
        }
    }
}

/// Whether `buffered` begins with a whole frame (its length header and all of its payload).
fn whole_frame(buffered: &[u8]) -> bool {
    match buffered.get(..HEADER_LEN) {
        Some(header) => buffered.len() - HEADER_LEN >= u32::from_le_bytes(header.try_into().expect("4 bytes")) as usize,
        None => false,
    }
}
