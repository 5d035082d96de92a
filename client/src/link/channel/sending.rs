//! What goes to the host: messages written into the ring (the segments retired since the last
//! one ahead of them), and segments of the client's announced.

use std::sync::Arc;
use std::time::Instant;

use napi_host::inprocess::InProcess;
use napi_protocol::frame::FrameError;
use napi_protocol::{ClientMessage, PyException, PyRef};

use super::{Channel, Dead};

impl Channel {
    /// Sends `msg`; a full ring waits for room until `deadline`.
    pub fn send(&self, msg: ClientMessage, deadline: Option<Instant>) -> Result<(), Arc<Dead>> {
        if let Some(d) = self.dead() {
            return Err(d);
        }
        if matches!(msg, ClientMessage::CallbackResult { .. } | ClientMessage::Traced(_)) {
            self.busy.paid();
        }
        // Taken before the transport's lock: uploads lock the shared memory, then the transport.
        let sent = self.end.send(self.retired(), msg, deadline);
        if let Some(host) = &self.in_process {
            host.mail();
        }
        match sent {
            Ok(()) => Ok(()),
            // The host read nothing of a full ring before the call's deadline.
            Err(FrameError::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut => Err(self.expire()),
            // The host broke the index of the ring it reads.
            Err(FrameError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => Err(self.invalid(FrameError::Io(e))),
            // A broken pipe means the host died: the reader will find out how.
            Err(FrameError::Io(_)) => Ok(()),
            Err(e) => Err(self.die(format!("cannot encode a request: {e}"))),
        }
    }

    /// The notices of the segments we retired since the last message: to be sent ahead of it,
    /// or told an in-process host at once.
    fn retired(&self) -> Vec<ClientMessage> {
        let retired = self.shm.take_retired();
        if let Some(host) = &self.in_process {
            retired.into_iter().for_each(|id| host.client_segment_retired(id));
            return Vec::new();
        }
        retired.into_iter().map(|id| ClientMessage::SegmentRetired { id }).collect()
    }

    /// The in-process host's share, for requests served on their callers' threads.
    pub fn in_process(&self) -> Option<&Arc<InProcess>> {
        self.in_process.as_ref()
    }

    /// Tells an in-process host of the segments this client retired (their notices go ahead of
    /// a request served directly, as they would go ahead of one sent).
    pub fn tell_retired(&self) {
        if self.shm.has_retired() {
            let _ = self.retired();
        }
    }

    /// Sends a segment of ours to the host, its descriptor with the announcement (an in-process
    /// host takes it from its queue before anything else it reads or serves). A full ring waits
    /// for room for the timeout at most.
    pub fn announce_segment(&self, id: u32, size: u64, fd: napi_link::shm::BorrowedDescriptor<'_>) -> std::io::Result<()> {
        match &self.in_process {
            Some(host) => {
                host.client_segment(id, size, fd.try_clone_to_owned()?);
                Ok(())
            }
            None => self.end.announce_segment(id, size, fd, self.deadline()),
        }
    }

    /// Passes a descriptor of this process to the host for its addons, as `id` (`js.descriptor`):
    /// over the socket, or handed to an in-process host as a duplicate, so that in both modes
    /// the host holds a descriptor of its own on the same open file.
    pub fn pass_descriptor(&self, id: u32, fd: napi_link::shm::BorrowedDescriptor<'_>) -> std::io::Result<()> {
        match &self.in_process {
            Some(host) => {
                host.client_descriptor(id, fd.try_clone_to_owned()?);
                Ok(())
            }
            None => self.end.send_with_descriptor(&ClientMessage::Descriptor { id }, fd, self.deadline()),
        }
    }

    /// A call for a chain nobody waits for any more: answer it so the host does not hang.
    pub(super) fn refuse_stray(&self, call: napi_protocol::CallId) {
        let result = Err(PyException {
            exception: PyRef(0),
            type_name: "RuntimeError".into(),
            message: "no Python thread waits for this call".into(),
        });
        let _ = self.send(ClientMessage::CallbackResult { call, result }, self.deadline());
    }
}
