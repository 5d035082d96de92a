//! What the host needs of its client's end, whichever way the client is reached: the sockets of
//! a `napi-hostd` process (`Connection`) or the queues in memory of an in-process host
//! (`memory::MemoryPort`, D35).

use std::os::fd::{BorrowedFd, OwnedFd};

use napi_protocol::frame::FrameError;
use napi_protocol::{ClientMessage, ServerMessage};

use napi_runtime::events::EventQueue;

pub trait Port {
    /// Sends `msg` at once (with anything `send_later` buffered ahead of it).
    fn send(&mut self, msg: ServerMessage) -> Result<(), FrameError>;

    /// Buffers `msg` for the next `send`, which delivers both together.
    fn send_later(&mut self, msg: ServerMessage) -> Result<(), FrameError>;

    /// Sends a message no request asked for, to the client's event dispatcher.
    fn send_event(&mut self, msg: ServerMessage) -> Result<(), FrameError>;

    /// Announces segment `id` of the host's to both of the client's readers, with its
    /// descriptor: whichever first meets a value in it knows the segment by then.
    fn announce(&mut self, id: u32, size: u64, fd: BorrowedFd<'_>) -> Result<(), FrameError>;

    /// Waits until the client has sent something (true) or `events` has tasks (false): what
    /// the JS thread does when it has nothing to run.
    fn wait_readable(&mut self, events: &EventQueue) -> bool;

    /// The next message; `Err` once the client is gone or sent something undecodable.
    fn recv(&mut self) -> Result<ClientMessage, FrameError>;

    /// The descriptor of the segment the client just announced.
    fn take_fd(&mut self) -> Option<OwnedFd>;
}
