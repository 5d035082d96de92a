//! The host's end of a client in another process (napi-hostd), or of the host thread of an
//! in-process one: frames over the shared-memory rings, the socket beside them for
//! wake-ups, descriptors and the hang-up, and the event ring, with the event socket beside
//! it, for what no request asked for.
//! The JS thread is the only reader and writer: a request is read, served and answered on one
//! thread, with no hand-off between threads on the call path.

use std::time::Instant;

use napi_link::frames::{FrameReader, FrameWriter};
use napi_link::shm::{BorrowedDescriptor, OwnedDescriptor, Rings};
use napi_link::streams::{events_out, over_rings, Also, Connection, Inbound, Outbound, RingIn, RingOut, Side, Take, Woken};
use napi_protocol::frame::{decode, encode, FrameError};
use napi_protocol::quick::{is_quick, QuickCall, QuickReply, Received, QUICK_CALL};
use napi_protocol::{ClientMessage, ServerMessage, DEFAULT_MAX_FRAME};

use crate::port::{Here, News, Port, Woke};

pub struct RingsPort {
    reader: FrameReader<RingIn>,
    writer: FrameWriter<RingOut>,
    /// Messages no request asked for (event-turn calls, settlements, uncaught exceptions).
    events: FrameWriter<RingOut>,
    /// Whether anything went out on `events` yet: from then on drop notices follow it there.
    sent_events: bool,
    /// What `take_call` took from the ring that is no compact call (a short message, or a
    /// call it refused): what the next read (`recv_into`, `recv`) answers.
    taken: Option<Result<ClientMessage, FrameError>>,
}

impl RingsPort {
    /// Frames over `rings`; `stream` only wakes, carries descriptors and hangs up.
    pub fn new(stream: Connection, events: Connection, rings: &Rings) -> RingsPort {
        let (inbound, outbound) = over_rings(rings, Side::Host, stream);
        RingsPort {
            reader: FrameReader::new(inbound, 64 << 10, DEFAULT_MAX_FRAME),
            writer: FrameWriter::new(outbound),
            events: FrameWriter::new(events_out(rings, events)),
            sent_events: false,
            taken: None,
        }
    }

    /// `take_call`'s read of a frame that was no compact call, kept for the next read.
    #[cold]
    fn keep(&mut self, read: Result<ClientMessage, FrameError>) -> Here {
        self.taken = Some(read);
        Here::Else
    }

    /// What `keep` kept.
    #[cold]
    fn kept(&mut self) -> Result<ClientMessage, FrameError> {
        self.taken.take().expect("a read kept")
    }

    /// The descriptor goes ahead of the frame, on both streams: whichever reader first meets a
    /// value in the segment knows it by then.
    fn announce(&mut self, id: u32, size: u64, fd: BorrowedDescriptor<'_>) -> Result<(), FrameError> {
        let frame = encode(&ServerMessage::Segment { id, size })?;
        self.writer.flush()?;
        self.writer.get_mut().write_with_fd(&frame, fd)?;
        self.events.flush()?;
        self.events.get_mut().write_with_fd(&frame, fd)?;
        Ok(())
    }
}

/// The read of a frame taken whole into `call`'s room (`len` bytes), checked there: a compact
/// call (`None`), served from there, or any other message decoded from there.
#[inline(always)]
fn read_taken(call: &mut QuickCall, len: usize) -> Result<Option<ClientMessage>, FrameError> {
    match is_quick(&call.room()[..len], QUICK_CALL) {
        true => call.read_in_place(len).map(|()| None),
        false => decode(&call.room()[..len]).map(Some),
    }
}

impl Port for RingsPort {
    fn take_fd(&mut self) -> Option<OwnedDescriptor> {
        self.reader.get_mut().take_fd()
    }

    fn news(&mut self, news: News<'_>) -> Result<(), FrameError> {
        match news {
            News::Segment { id, size, fd } => self.announce(id, size, fd),
            News::SegmentRetired(id) => self.send(ServerMessage::SegmentRetired { id }),
            News::Returned(blocks) => self.send(ServerMessage::Returned { blocks }),
            // An event sent before (an uncaught exception, a settlement) may name one of these
            // Python objects, and the client's dispatcher looks it up only when it runs the
            // event, maybe after the client read this notice on the main stream and forgot it.
            // Behind the events on their stream, the notice is read only once they have run.
            News::DropPython(objects) if self.sent_events => self.events.send(&ServerMessage::DropPython { objects }),
            News::DropPython(objects) => self.send(ServerMessage::DropPython { objects }),
        }
    }

    fn send_event(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.sent_events = true;
        self.events.send(&msg)
    }

    /// A frame already buffered counts as sent, and so does a hang-up or a failure, which
    /// `recv` then reports.
    fn wait_readable(&mut self, also: Also<'_>, deadline: Option<Instant>) -> Woke {
        if !self.reader.buffered().is_empty() || self.taken.is_some() {
            return Woke::Client;
        }
        // The client first: events run at the top of every turn anyway, and threads that post
        // without pause must not starve the client's messages (its hang-up above all).
        match self.reader.get_mut().wait(deadline, Some(also)) {
            Ok(Woken::Also) => Woke::Other,
            Ok(Woken::TimedOut) => Woke::TimedOut,
            _ => Woke::Client,
        }
    }

    fn ready(&mut self) -> bool {
        !self.reader.buffered().is_empty() || self.taken.is_some() || self.reader.get_mut().ready()
    }

    fn has_bytes(&mut self) -> bool {
        !self.reader.buffered().is_empty() || self.taken.is_some() || !matches!(self.reader.get_mut().has_bytes(), Ok(false))
    }

    /// One look at the ring: a frame whole there is taken straight into `call`'s room and, a
    /// compact call, checked there (`Call`); anything else it took is kept for the next read.
    fn take_call(&mut self, call: &mut QuickCall) -> Here {
        match self.reader.take_ready(call.room()) {
            Ok(Take::Empty) => Here::Nothing,
            Ok(Take::Frame(len)) => match read_taken(call, len) {
                Ok(None) => Here::Call,
                Ok(Some(msg)) => self.keep(Ok(msg)),
                Err(e) => self.keep(Err(e)),
            },
            // A frame begun or too long for the slot, or bytes buffered: read as usual. A
            // broken ring: `recv_into`'s look reports it.
            Ok(Take::Otherwise) | Err(_) => Here::Else,
        }
    }

    /// The ring's read waits for the bytes, looking before it sleeps (a Python callback's
    /// answer usually comes within microseconds).
    fn recv(&mut self) -> Result<Received, FrameError> {
        if self.taken.is_some() {
            return self.kept().map(Received::Message);
        }
        self.reader.read_with(|payload| match is_quick(payload, QUICK_CALL) {
            true => QuickCall::decode(payload).map(Received::Call),
            false => decode(payload).map(Received::Message),
        })
    }

    /// As `recv`, a compact call copied once, into `call`, and checked there: from the ring
    /// straight into it when the whole frame is there (a short message too, decoded from
    /// there), else checked where it lies in the reader's buffer first.
    fn recv_into(&mut self, call: &mut QuickCall) -> Result<Option<ClientMessage>, FrameError> {
        if self.taken.is_some() {
            return self.kept().map(Some);
        }
        if let Take::Frame(len) = self.reader.take_ready(call.room())? {
            return read_taken(call, len);
        }
        self.reader.read_with(|payload| match is_quick(payload, QUICK_CALL) {
            true => call.read(payload).map(|()| None),
            false => decode(payload).map(Some),
        })
    }

    fn send_quick(&mut self, reply: &QuickReply) -> Result<(), FrameError> {
        Ok(self.writer.send_frame(reply.as_bytes())?)
    }

    /// Written in one go with the next `send`.
    fn send_later(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.writer.queue(&msg)
    }

    fn send(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.writer.send(&msg)
    }
}
