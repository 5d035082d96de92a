//! The host's end of the connection. The JS thread is its only reader and writer: a request is
//! read, served and answered on one thread, with no hand-off between threads on the call path.
//! Frames travel over the shared-memory rings when the client gave some (D34), else over the
//! socket itself; events always go on the event socket.

use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

use napi_link::frames::{FrameReader, FrameWriter};
use napi_link::shm::{send_with_fd, Rings};
use napi_link::streams::{over_rings, Also, Inbound, Outbound, Side, SocketIn, SocketOut, Woken};
use napi_protocol::frame::{encode, FrameError};
use napi_protocol::{ClientMessage, ServerMessage, DEFAULT_MAX_FRAME};

use super::port::Port;
use napi_runtime::events::EventQueue;

pub struct Connection {
    reader: FrameReader<Box<dyn Inbound>>,
    writer: FrameWriter<Box<dyn Outbound>>,
    /// Messages no request asked for (event-turn calls, settlements, uncaught exceptions).
    events: Option<FrameWriter<UnixStream>>,
}

impl Connection {
    /// Over `rings` when given (`stream` then only wakes, carries descriptors and hangs up),
    /// else over `stream`.
    pub fn new(stream: UnixStream, events: Option<UnixStream>, rings: Option<Rings>) -> std::io::Result<Connection> {
        let (inbound, outbound): (Box<dyn Inbound>, Box<dyn Outbound>) = match rings {
            Some(rings) => {
                let (i, o) = over_rings(&rings, Side::Host, stream);
                (Box::new(i), Box::new(o))
            }
            None => (Box::new(SocketIn::new(stream.try_clone()?)), Box::new(SocketOut(stream))),
        };
        Ok(Connection {
            reader: FrameReader::new(inbound, 64 << 10, DEFAULT_MAX_FRAME),
            writer: FrameWriter::new(outbound),
            events: events.map(FrameWriter::new),
        })
    }
}

impl Port for Connection {
    fn take_fd(&mut self) -> Option<OwnedFd> {
        self.reader.get_mut().take_fd()
    }

    /// The descriptor goes ahead of the frame, on every stream.
    fn announce(&mut self, id: u32, size: u64, fd: BorrowedFd<'_>) -> Result<(), FrameError> {
        let frame = encode(&ServerMessage::Segment { id, size })?;
        self.writer.flush()?;
        self.writer.get_mut().write_with_fd(&frame, fd)?;
        if let Some(events) = &mut self.events {
            events.flush()?;
            send_with_fd(events.get_ref(), &frame, fd)?;
        }
        Ok(())
    }

    fn send_event(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        match &mut self.events {
            Some(w) => w.send(&msg),
            None => self.send(msg),
        }
    }

    /// A frame already buffered counts as sent, and so does a hang-up or a failure, which
    /// `recv` then reports.
    fn wait_readable(&mut self, events: &EventQueue) -> bool {
        if !self.reader.buffered().is_empty() {
            return true;
        }
        // The client first: events run at the top of every turn anyway, and threads that post
        // without pause must not starve the client's messages (its hang-up above all).
        let also = Also { fd: events.fd(), ready: &|| !events.is_empty() };
        !matches!(self.reader.get_mut().wait(None, Some(also)), Ok(Woken::Also))
    }

    fn recv(&mut self) -> Result<ClientMessage, FrameError> {
        if self.reader.buffered().is_empty() {
            // A Python callback's answer usually comes within microseconds: look before sleeping.
            self.reader.get_mut().wait(None, None)?;
        }
        self.reader.read()
    }

    /// Written in one go with the next `send`.
    fn send_later(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.writer.queue(&msg)
    }

    fn send(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.writer.send(&msg)
    }
}
