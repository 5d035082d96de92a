//! What goes to the host: messages written into the ring (the segments retired since the last
//! one ahead of them), and segments of the client's announced.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use napi_host::event_calls::EventCaller;
use napi_host::inprocess::InProcess;
use napi_link::streams::Deadline;
use napi_protocol::frame::FrameError;
use napi_protocol::quick::QuickFrame;
use napi_protocol::{ClientMessage, PyException, PyRef};

use super::{Channel, Dead};

impl Channel {
    /// Sends `msg`; a full ring waits for room until `deadline`, which the first such wait fixes
    /// if it is a timeout not started (`call_deadline`), for the waits after it.
    pub fn send(&self, msg: ClientMessage, deadline: &mut Deadline) -> Result<(), Arc<Dead>> {
        if let Some(d) = self.dead() {
            return Err(d);
        }
        if matches!(msg, ClientMessage::CallbackResult { .. } | ClientMessage::Traced(_)) {
            self.busy.paid();
        }
        // Taken before the transport's lock: uploads lock the shared memory, then the transport.
        let sent = self.end.send(self.retired(), msg, deadline);
        self.sent(sent)
    }

    /// Sends a compact call (`napi_protocol::quick`), as `send` sends a message.
    pub fn send_quick(&self, frame: &QuickFrame, deadline: &mut Deadline) -> Result<(), Arc<Dead>> {
        if let Some(d) = self.dead() {
            return Err(d);
        }
        let sent = self.end.send_frame(self.retired(), frame.as_bytes(), deadline);
        // Not a locked add: the count is for tests, whose callers take turns (the GIL).
        self.quick_sent.store(self.quick_sent.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        self.sent(sent)
    }

    /// How many compact calls were sent so far.
    pub fn quick_calls(&self) -> u64 {
        self.quick_sent.load(Ordering::Relaxed)
    }

    /// What a send's outcome means for the caller.
    #[inline]
    fn sent(&self, sent: Result<(), FrameError>) -> Result<(), Arc<Dead>> {
        if let Some(host) = &self.in_process {
            host.mail();
        }
        sent.or_else(|e| self.not_sent(e))
    }

    /// What a failed send means for the caller.
    #[cold]
    fn not_sent(&self, e: FrameError) -> Result<(), Arc<Dead>> {
        match e {
            // The host read nothing of a full ring before the call's deadline.
            FrameError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => Err(self.expire()),
            // The host broke the index of the ring it reads.
            FrameError::Io(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(self.invalid(FrameError::Io(e))),
            // A broken pipe means the host died: the reader will find out how.
            FrameError::Io(_) => Ok(()),
            e => Err(self.die(format!("cannot encode a request: {e}"))),
        }
    }

    /// Whether the next request carries notices (proxies released, Python objects forgotten),
    /// which a compact call has no room for.
    #[inline]
    pub fn owes_notices(&self) -> bool {
        !self.releases.is_empty() || !self.forgotten.is_empty()
    }

    /// The notices of the segments we retired since the last message: to be sent ahead of it,
    /// or told an in-process host at once. A look at a flag when there are none, as there
    /// nearly always are.
    #[inline]
    fn retired(&self) -> Vec<ClientMessage> {
        if !self.shm.has_retired() {
            return Vec::new();
        }
        self.take_retired()
    }

    #[cold]
    fn take_retired(&self) -> Vec<ClientMessage> {
        let retired = self.shm.take_retired();
        if let Some(host) = &self.in_process {
            retired.into_iter().for_each(|id| host.client_segment_retired(id));
            return Vec::new();
        }
        retired.into_iter().map(|id| ClientMessage::SegmentRetired { id }).collect()
    }

    /// The in-process host's share, for requests served on their callers' threads. The core's
    /// alone: a binding asks what it needs to know of it through the methods below and
    /// `session::direct`.
    pub fn in_process(&self) -> Option<&Arc<InProcess>> {
        self.in_process.as_ref()
    }

    /// Whether the host runs in a process of its own (not on a thread of this one): its
    /// messages are then checked strictly, and a top-level request waits for it to be free.
    #[inline]
    pub fn isolated(&self) -> bool {
        self.in_process.is_none()
    }

    /// Whether this thread is an in-process host's own (a call of its event turn, say).
    pub fn on_host_thread(&self) -> bool {
        self.in_process.as_ref().is_some_and(|host| host.on_host_thread())
    }

    /// Gives an in-process host what runs its event turns' calls into the program on its own
    /// thread (`EventCalls`), when the event dispatcher has nothing in hand; an isolated host
    /// has no such thread, and takes nothing.
    pub fn set_event_caller(&self, caller: Box<dyn EventCaller>) {
        if let Some(host) = &self.in_process {
            host.event_calls().set_caller(caller);
        }
    }

    /// An in-process host's counts of the calls it relayed, by name (zero for an isolated
    /// host): `relayed` calls, the steps of those `handed_back` to their callers' threads, the
    /// times the host thread was woken for one (`host_woken`), the answers callers gave back to
    /// it to free (`given_back`, `given_back_waiting` not freed yet), the threads waiting in
    /// the relayed callers' line (`in_line`) and the turns handed to one asleep there
    /// (`handed_in_line`). For tests of which calls are relayed, and how.
    pub fn relay_counts(&self) -> [(&'static str, u64); 7] {
        let host = self.in_process.as_deref();
        let (relayed, handed_back) = host.map_or((0, 0), InProcess::relayed_calls);
        let woken = host.map_or(0, InProcess::woken_for_relayed_calls);
        let (given_back, waiting) = host.map_or((0, 0), InProcess::answers_given_back);
        let (in_line, handed_in_line) = host.map_or((0, 0), InProcess::relay_line);
        [
            ("relayed", relayed),
            ("handed_back", handed_back),
            ("host_woken", woken),
            ("given_back", given_back),
            ("given_back_waiting", waiting as u64),
            ("in_line", in_line as u64),
            ("handed_in_line", handed_in_line),
        ]
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
        let _ = self.send(ClientMessage::CallbackResult { call, result }, &mut self.call_deadline());
    }
}
