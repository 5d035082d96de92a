//! The event ring, read by the event dispatcher alone.

use napi_protocol::frame::FrameError;
use napi_protocol::ServerMessage;

use super::Channel;
use crate::link::inbound::{self, Incoming, Violation};
use crate::link::shared_memory::Stream;

impl Channel {
    /// The next message on the event ring (blocking; only the event dispatcher calls it).
    /// `None` once the host is gone, or ended for what it sent there.
    pub fn next_event(&self) -> Option<Incoming> {
        loop {
            if self.forked() {
                return None;
            }
            match self.end.next_event() {
                Ok(msg) => match self.event(msg) {
                    Ok(Some(incoming)) => return Some(incoming),
                    Ok(None) => {}
                    Err(v) => {
                        self.violation(v);
                        return None;
                    }
                },
                Err(FrameError::Closed | FrameError::Truncated) => return None,
                Err(e) => {
                    // What no healthy host sends (a malformed frame, a pause inside one, a
                    // flood of descriptors) ends it, as on the main stream.
                    if !self.gone() {
                        self.invalid(e);
                    }
                    return None;
                }
            }
        }
    }

    /// The next event if the whole of it has already been read from the socket (never blocks).
    pub fn buffered_event(&self) -> Option<Incoming> {
        self.event_of(|| self.end.buffered_event())
    }

    /// The next event `read` brings, past segment announcements; `None` when it brings none.
    fn event_of(&self, mut read: impl FnMut() -> Option<Result<ServerMessage, FrameError>>) -> Option<Incoming> {
        while let Some(msg) = read() {
            match msg.map_err(|e| Violation(format!("an invalid message ({e})"))).and_then(|m| self.event(m)) {
                Ok(Some(incoming)) => return Some(incoming),
                Ok(None) => {}
                Err(v) => {
                    self.violation(v);
                    return None;
                }
            }
        }
        None
    }

    /// What the dispatcher runs for a message of the event ring: `None` when there is
    /// nothing to run (a segment announcement).
    fn event(&self, msg: ServerMessage) -> Result<Option<Incoming>, Violation> {
        self.count_owed(&msg);
        match inbound::event(msg)? {
            Ok(incoming) => Ok(Some(incoming)),
            Err(news) => self.take_news(news, Stream::Events).map(|()| None),
        }
    }
}
