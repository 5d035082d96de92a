//! How the client's messages reach a host and the host's come back: the two sockets of a
//! `napi-hostd` process (`sockets`), or queues in memory shared with a host on a thread of this
//! process (`memory`, D35). `Channel` above does the routing, waiting and death reports, the
//! same for both.

pub mod memory;
pub mod sockets;

use std::os::fd::{BorrowedFd, OwnedFd};
use std::time::Instant;

use napi_host::memory::{Direct, PrimitiveCall};
use napi_protocol::frame::FrameError;
use napi_protocol::{ClientMessage, Request, ServerMessage};

pub trait Transport: Send + Sync {
    /// Sends `before`, then `msg`, in one go.
    fn send(&self, before: Vec<ClientMessage>, msg: ClientMessage) -> Result<(), FrameError>;

    /// Hands the host segment `id` of ours (its descriptor with its announcement).
    fn announce_segment(&self, id: u32, size: u64, fd: BorrowedFd<'_>) -> std::io::Result<()>;

    /// The next message of the main stream (replies, calls of requests), or `None` when
    /// `deadline` passes first. One reader at a time (the channel's leader).
    fn read(&self, deadline: Option<Instant>) -> Result<Option<ServerMessage>, FrameError>;

    /// Whether a whole message of the main stream is here, so `read` would not block.
    fn ready(&self) -> bool;

    /// Whether `ready` sees messages arrive (memory the host writes into), so that looking at
    /// it again and again is a way to wait; a socket's answer shows only once read.
    fn watchable(&self) -> bool;

    /// The next event (blocking); `None` once the host is gone. Only the dispatcher reads them.
    fn next_event(&self) -> Option<ServerMessage>;

    /// The next event if it is already here whole (never blocks).
    fn buffered_event(&self) -> Option<ServerMessage>;

    /// The descriptor of the segment announced by the message just read from the main stream
    /// (`events` false) or the event stream.
    fn take_fd(&self, events: bool) -> Option<OwnedFd>;

    /// Tells the host the client is done (it tears down and ends).
    fn hang_up(&self);

    /// Whether `serve_directly` may take requests now (an in-process host whose addons all
    /// allow it, D37).
    fn direct(&self) -> bool {
        false
    }

    /// Runs `req` on this thread if the host can take it now; refused, `req` is to be sent.
    /// `pump` runs the Python calls the host makes of the request's chain meanwhile.
    fn serve_directly(&self, req: &Request, pump: &(dyn Fn() -> bool + Sync)) -> Direct {
        let _ = (req, pump);
        Direct::Refused
    }

    /// Runs `call` on this thread if the host can take it now (D41), `open` opening its
    /// chain if the host needs it, a primitive answer written to `answer`; refused, nothing ran.
    fn call_directly(
        &self,
        call: &PrimitiveCall<'_>,
        pump: &(dyn Fn() -> bool + Sync),
        open: &(dyn Fn() + Sync),
        answer: &mut Option<napi_protocol::Value>,
    ) -> Direct {
        let _ = (call, pump, open, answer);
        Direct::Refused
    }
}
