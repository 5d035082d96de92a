//! What the host needs of its client's end: the rings and sockets of a client in another process
//! ([`crate::rings::RingsPort`]), or of one in this process, whose news go to it directly
//! (`inprocess::InProcessPort`).

use std::time::Instant;

use napi_link::shm::{BorrowedDescriptor, OwnedDescriptor};
use napi_link::streams::Also;
use napi_protocol::frame::FrameError;
use napi_protocol::quick::{QuickCall, QuickReply, Received};
use napi_protocol::{ClientMessage, PyRef, Region, ServerMessage};

/// What the client must take in before any value that needs it.
pub enum News<'a> {
    /// A new segment of the host's, `size` bytes.
    Segment { id: u32, size: u64, fd: BorrowedDescriptor<'a> },
    /// The host unmapped its segment: nothing of it is in use any more.
    SegmentRetired(u32),
    /// Blocks of the client's segments the host no longer uses.
    Returned(Vec<Region>),
    /// Python objects the host no longer references, each with how many times it received it.
    DropPython(Vec<(PyRef, u64)>),
}

/// What ended the JS thread's wait.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Woke {
    /// The client sent something (or hung up).
    Client,
    /// Tasks were posted, or the libuv loop has I/O.
    Other,
    /// The deadline passed.
    TimedOut,
}

/// What a look at the client's end found, without waiting (`Port::take_call`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Here {
    /// Nothing yet.
    Nothing,
    /// A compact call, read into the caller's slot and checked there.
    Call,
    /// Something else (a message, a frame begun, a broken ring): `recv_into` reads it.
    Else,
}

pub trait Port {
    /// Sends `msg` at once (with anything `send_later` buffered ahead of it).
    fn send(&mut self, msg: ServerMessage) -> Result<(), FrameError>;

    /// Buffers `msg` for the next `send`, which delivers both together.
    fn send_later(&mut self, msg: ServerMessage) -> Result<(), FrameError>;

    /// Sends a message no request asked for, to the client's event dispatcher.
    fn send_event(&mut self, msg: ServerMessage) -> Result<(), FrameError>;

    /// Tells the client `news`, so that it knows it before whatever reader first meets a value
    /// that needs it.
    fn news(&mut self, news: News<'_>) -> Result<(), FrameError>;

    /// Waits until the client has sent something, the host's other work is ready (`also`: the
    /// spin's look at memory, the event queue and the libuv loop's pending asyncs; the sleep's
    /// descriptor, readable when either has work, `uv_loop`), or `deadline` (the loop's next
    /// timer) passes: what the JS thread does when it has nothing to run.
    fn wait_readable(&mut self, also: Also<'_>, deadline: Option<Instant>) -> Woke;

    /// Whether `recv` would answer without waiting: a message is here, or the client's end.
    fn ready(&mut self) -> bool;

    /// Whether the client's bytes (a message or its start) are here to read, or its ring is
    /// broken (which `recv` reports): `ready` without its look at a hang-up, a system call.
    fn has_bytes(&mut self) -> bool;

    /// Sends a compact reply (`napi_protocol::quick`), with anything `send_later` buffered
    /// ahead of it.
    fn send_quick(&mut self, reply: &QuickReply) -> Result<(), FrameError>;

    /// The next message or compact call; `Err` once the client is gone or sent something
    /// undecodable.
    fn recv(&mut self) -> Result<Received, FrameError>;

    /// `recv`, a compact call read into `call` (answered `None`) rather than moved up: the
    /// serving loop's read, into a slot of its own.
    fn recv_into(&mut self, call: &mut QuickCall) -> Result<Option<ClientMessage>, FrameError> {
        match self.recv()? {
            Received::Message(msg) => Ok(Some(msg)),
            Received::Call(c) => {
                *call = c;
                Ok(None)
            }
        }
    }

    /// `has_bytes`, with a compact call whole in the ring read into `call` on the way (`Call`):
    /// the serving loop's look, which then serves it, where a look to see and another to read
    /// cost about 36 instructions more a call. Whatever else is here `recv_into` reads next.
    fn take_call(&mut self, _call: &mut QuickCall) -> Here {
        if self.has_bytes() {
            Here::Else
        } else {
            Here::Nothing
        }
    }

    /// The descriptor of the segment the client just announced.
    fn take_fd(&mut self) -> Option<OwnedDescriptor>;
}
