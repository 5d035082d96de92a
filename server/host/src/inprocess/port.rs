//! The host's end of an in-process client ([`InProcessPort`]).

use std::sync::Arc;
use std::time::Instant;

use napi_link::shm::{BorrowedDescriptor, OwnedDescriptor};
use napi_link::streams::Also;
use napi_protocol::frame::FrameError;
use napi_protocol::quick::{QuickReply, Received};
use napi_protocol::ServerMessage;

use crate::port::{News, Port, Woke};
use crate::rings::RingsPort;

use super::share::InProcess;

/// The host's end of an in-process client: requests and replies of the host thread over the
/// rings, as for a host in another process, and news handed to the client directly.
pub(crate) struct InProcessPort {
    rings: RingsPort,
    shared: Arc<InProcess>,
}

impl InProcessPort {
    pub fn new(rings: RingsPort, shared: Arc<InProcess>) -> InProcessPort {
        InProcessPort { rings, shared }
    }
}

impl Port for InProcessPort {
    fn send(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.rings.send(msg)
    }

    fn send_later(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.rings.send_later(msg)
    }

    fn send_event(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.shared.event_calls.sent();
        self.rings.send_event(msg)
    }

    fn news(&mut self, news: News<'_>) -> Result<(), FrameError> {
        let sink = &self.shared.sink;
        match news {
            News::Segment { id, size, fd } => sink.segment(id, size, dup(fd)?),
            News::SegmentRetired(id) => sink.segment_retired(id),
            News::Returned(blocks) => sink.returned(blocks),
            News::DropPython(objects) => sink.drop_python(objects),
        }
        Ok(())
    }

    fn wait_readable(&mut self, also: Also<'_>, deadline: Option<Instant>) -> Woke {
        self.rings.wait_readable(also, deadline)
    }

    fn ready(&mut self) -> bool {
        self.rings.ready()
    }

    fn has_bytes(&mut self) -> bool {
        self.rings.has_bytes()
    }

    fn send_quick(&mut self, reply: &QuickReply) -> Result<(), FrameError> {
        self.rings.send_quick(reply)
    }

    fn recv(&mut self) -> Result<Received, FrameError> {
        self.rings.recv()
    }

    fn take_fd(&mut self) -> Option<OwnedDescriptor> {
        self.rings.take_fd()
    }
}

pub(super) fn dup(fd: BorrowedDescriptor<'_>) -> Result<OwnedDescriptor, FrameError> {
    Ok(fd.try_clone_to_owned()?)
}
