//! The client's end of an in-process host's `MemoryLink` (D35): messages are handed over as
//! they are, with no encoding and no system call while the other side is awake.

use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::Arc;
use std::time::Instant;

use napi_host::memory::MemoryLink;
use napi_host::memory::{Direct, PrimitiveCall};
use napi_protocol::frame::FrameError;
use napi_protocol::{ClientMessage, Request, ServerMessage};

use super::Transport;

pub struct Memory(pub Arc<MemoryLink>);

impl Transport for Memory {
    fn send(&self, before: Vec<ClientMessage>, msg: ClientMessage) -> Result<(), FrameError> {
        for m in before {
            self.0.send(m, None);
        }
        self.0.send(msg, None);
        Ok(())
    }

    fn announce_segment(&self, id: u32, size: u64, fd: BorrowedFd<'_>) -> std::io::Result<()> {
        self.0.send(ClientMessage::Segment { id, size }, Some(fd.try_clone_to_owned()?));
        Ok(())
    }

    fn read(&self, deadline: Option<Instant>) -> Result<Option<ServerMessage>, FrameError> {
        self.0.replies.pop(deadline)
    }

    fn ready(&self) -> bool {
        self.0.replies.ready()
    }

    fn watchable(&self) -> bool {
        true
    }

    fn next_event(&self) -> Option<ServerMessage> {
        self.0.events.pop(None).ok().flatten()
    }

    fn buffered_event(&self) -> Option<ServerMessage> {
        self.0.events.try_pop()
    }

    fn take_fd(&self, events: bool) -> Option<OwnedFd> {
        if events {
            self.0.events.take_fd()
        } else {
            self.0.replies.take_fd()
        }
    }

    fn hang_up(&self) {
        self.0.hang_up();
    }

    fn direct(&self) -> bool {
        self.0.takes_direct_calls()
    }

    fn serve_directly(&self, req: &Request, pump: &(dyn Fn() -> bool + Sync)) -> Direct {
        self.0.serve_directly(req, pump)
    }

    fn call_directly(
        &self,
        call: &PrimitiveCall<'_>,
        pump: &(dyn Fn() -> bool + Sync),
        open: &(dyn Fn() + Sync),
        answer: &mut Option<napi_protocol::Value>,
    ) -> Direct {
        self.0.call_directly(call, pump, open, answer)
    }
}
