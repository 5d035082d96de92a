//! The client's end of a host's rings and sockets: requests, replies and the calls of requests go
//! through the shared-memory rings (D34) with the main socket beside them for wake-ups,
//! descriptors and the hang-up; what the event dispatcher runs comes on the event socket.
//! Segment descriptors go ahead of their announcements (SCM_RIGHTS).

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::sync::Mutex;
use std::time::Instant;

use napi_link::frames::{FrameReader, FrameWriter};
use napi_link::shm::{FdQueue, FdReader};
use napi_link::spin::{spin_until_readable, SPIN};
use napi_link::streams::{over_rings, Inbound, Outbound, RingIn, RingOut, Side, Woken};
use napi_protocol::frame::{encode, FrameError};
use napi_protocol::{ClientMessage, ServerMessage, DEFAULT_MAX_FRAME};

use crate::process::Sockets;

pub struct RingsLink {
    writer: Mutex<FrameWriter<RingOut>>,
    reader: Mutex<FrameReader<RingIn>>,
    /// The event socket: only the event dispatcher reads it.
    events: Mutex<FrameReader<FdReader>>,
    /// Descriptors of the host's segments, as they arrive on the event socket.
    events_fds: FdQueue,
}

impl RingsLink {
    pub fn new(sockets: Sockets) -> RingsLink {
        let Sockets { main: stream, events, rings } = sockets;
        let (reader, writer) = over_rings(&rings, Side::Client, stream);
        let events = FdReader::new(events);
        let events_fds = events.fds();
        RingsLink {
            writer: Mutex::new(FrameWriter::new(writer)),
            reader: Mutex::new(FrameReader::new(reader, 64 << 10, DEFAULT_MAX_FRAME)),
            events: Mutex::new(FrameReader::new(events, 64 << 10, DEFAULT_MAX_FRAME)),
            events_fds,
        }
    }

    pub fn send(&self, before: Vec<ClientMessage>, msg: ClientMessage) -> Result<(), FrameError> {
        let mut w = self.writer.lock().unwrap();
        before.iter().chain([&msg]).try_for_each(|m| w.queue(m))?;
        w.flush().map_err(FrameError::Io)
    }

    pub fn announce_segment(&self, id: u32, size: u64, fd: BorrowedFd<'_>) -> std::io::Result<()> {
        let frame = encode(&ClientMessage::Segment { id, size }).map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut w = self.writer.lock().unwrap();
        w.flush()?;
        w.get_mut().write_with_fd(&frame, fd)
    }

    pub fn read(&self, deadline: Option<Instant>) -> Result<Option<ServerMessage>, FrameError> {
        let mut reader = self.reader.lock().unwrap();
        // Only an empty buffer can block; a frame already begun arrives whole. The answer
        // usually comes within microseconds: the wait looks for it before sleeping.
        if reader.buffered().is_empty() && reader.get_mut().wait(deadline, None)? == Woken::TimedOut {
            return Ok(None);
        }
        reader.read::<ServerMessage>().map(Some)
    }

    pub fn next_event(&self) -> Option<ServerMessage> {
        let mut events = self.events.lock().unwrap();
        if events.buffered().is_empty() {
            // Events often come in bursts (a threadsafe function fed in a loop).
            spin_until_readable(&[events.get_ref().as_raw_fd()], SPIN);
        }
        events.read::<ServerMessage>().ok()
    }

    pub fn buffered_event(&self) -> Option<ServerMessage> {
        let mut events = self.events.lock().unwrap();
        if !events.has_frame() {
            return None;
        }
        events.read::<ServerMessage>().ok()
    }

    pub fn take_fd(&self, events: bool) -> Option<OwnedFd> {
        if events {
            self.events_fds.lock().unwrap().pop_front()
        } else {
            self.reader.lock().unwrap().get_mut().take_fd()
        }
    }

    pub fn hang_up(&self) {
        let _ = self.writer.lock().unwrap().get_ref().hang_up();
    }
}
