//! The client's end of a host's rings and sockets: requests, replies and the calls of requests go
//! through the shared-memory rings with the main socket beside them for wake-ups,
//! descriptors and the hang-up; what the event dispatcher runs comes on the event ring, with
//! the event socket beside it.
//! Segment descriptors go ahead of their announcements (SCM_RIGHTS).
//!
//! Reads and writes end at their deadline, and a frame begun must keep coming: a host that
//! pauses inside one for `STALL` is broken (`napi_link::streams`).

use std::cell::UnsafeCell;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use napi_host::inprocess::InProcess;
use napi_link::frames::{FrameReader, FrameWriter};
#[cfg(unix)]
use napi_link::shm::FdQueue;
use napi_link::shm::{BorrowedDescriptor, OwnedDescriptor};
// Windows' queue of handles received is the pipe bell's (napi_link::streams).
use napi_link::spin::spin_until;
#[cfg(windows)]
use napi_link::streams::FdQueue;
use napi_link::streams::{
    events_in, over_rings, Connection, Deadline, FrameRoom, Inbound, Outbound, RingIn, RingOut, RoomWait, Side, Take, Woken, STALL,
};
use napi_protocol::frame::{encode, FrameError, TYPICAL_FRAME};
use napi_protocol::{ClientMessage, ServerMessage, DEFAULT_MAX_FRAME};

use crate::exit_gate;
use crate::link::host_process::Sockets;
use crate::link::inbound::decode_main;

/// The client's end of one host's rings and sockets: the writer of requests, the reader of
/// replies, and the event ring's reader.
pub struct ClientEnd {
    writer: Mutex<FrameWriter<RingOut>>,
    reader: ClaimedReader,
    /// The event ring: only the event dispatcher reads it.
    events: Mutex<FrameReader<RingIn>>,
    /// Descriptors that came on the main socket and on the event socket, not yet claimed.
    main_fds: FdQueue,
    events_fds: FdQueue,
    /// The main socket and the event socket, to cut once the host is gone (`cut`).
    sockets: [SocketEnd; 2],
}

/// The reader of replies, which only the thread holding its channel's reading claim touches
/// (`Channel::claim_reading`, `Channel::read_alone`; the channel's greeting is read before any
/// other thread has the channel): that claim, an exchange of a flag that only its holder gives
/// back (SeqCst, so acquire when claimed and release when left), is the reader's lock, and a
/// mutex here cost every read two locked instructions more (D130).
struct ClaimedReader(UnsafeCell<FrameReader<RingIn>>);

// SAFETY: the reader is touched by one thread at a time, the holder of the reading claim (see
// `ClaimedReader`), and moves between threads as a `Mutex` would hand it on.
unsafe impl Sync for ClaimedReader where FrameReader<RingIn>: Send {}

impl ClaimedReader {
    /// The reader.
    ///
    /// # Safety
    /// The caller holds its channel's reading claim (or no other thread has the channel yet),
    /// and lets go of the reader before it gives the claim back.
    #[allow(clippy::mut_from_ref)]
    unsafe fn claimed(&self) -> &mut FrameReader<RingIn> {
        // SAFETY: the claim makes this the only reference (the caller's contract).
        unsafe { &mut *self.0.get() }
    }
}

/// How a client thread waits for room in the ring to its host (a frame larger than the room left
/// streams through as the host reads): an in-process host thread is told that bytes wait, since
/// it idles on a bell of its own, and the GIL is let go, since that thread takes it for its event
/// turns before it reads again.
struct ClientRoomWait {
    in_process: Option<Arc<InProcess>>,
}

impl RoomWait for ClientRoomWait {
    fn waiting(&self, wait: &mut dyn FnMut()) {
        if let Some(host) = &self.in_process {
            host.mail();
        }
        exit_gate::blocking_wait(wait);
    }
}

impl ClientEnd {
    /// The client's ends of a host's rings; `in_process`: the host runs on a thread of this
    /// process.
    pub fn new(sockets: Sockets, in_process: Option<Arc<InProcess>>) -> ClientEnd {
        let Sockets { main: stream, events, rings } = sockets;
        let sockets = [SocketEnd::of(&stream), SocketEnd::of(&events)];
        let (reader, mut writer) = over_rings(&rings, Side::Client, stream);
        writer.set_room_wait(Arc::new(ClientRoomWait { in_process }));
        let main_fds = reader.fds();
        let mut events = events_in(&rings, events);
        // The dispatcher waits for a frame's first byte itself (`next_event`): only a pause
        // inside a frame is bounded.
        events.set_limits(None, Some(STALL));
        let events_fds = events.fds();
        ClientEnd {
            writer: Mutex::new(FrameWriter::new(writer)),
            reader: ClaimedReader(UnsafeCell::new(FrameReader::new(reader, 64 << 10, DEFAULT_MAX_FRAME))),
            events: Mutex::new(FrameReader::new(events, 64 << 10, DEFAULT_MAX_FRAME)),
            main_fds,
            events_fds,
            sockets,
        }
    }

    /// The writer, waited for without the GIL: its holder may be waiting for room in the ring,
    /// which an in-process host thread makes only once it has had the GIL for its event turn.
    #[inline(always)]
    fn writer(&self) -> MutexGuard<'_, FrameWriter<RingOut>> {
        if let Ok(w) = self.writer.try_lock() {
            return w;
        }
        self.writer_waited()
    }

    /// `writer`, once another thread holds it.
    #[cold]
    #[inline(never)]
    fn writer_waited(&self) -> MutexGuard<'_, FrameWriter<RingOut>> {
        let mut taken = None;
        exit_gate::blocking_wait(&mut || taken = Some(self.writer.lock().unwrap()));
        taken.expect("the wait ran")
    }

    /// Sends `before`, then `msg`; a full ring is waited on until `deadline`, which the first
    /// wait fixes if it is a timeout not started (`Deadline::fix`).
    pub fn send(&self, before: Vec<ClientMessage>, msg: ClientMessage, deadline: &mut Deadline) -> Result<(), FrameError> {
        let mut w = self.writer();
        before.iter().chain([&msg]).try_for_each(|m| w.queue(m))?;
        w.get_mut().set_deadline(*deadline);
        let sent = w.flush().map_err(FrameError::Io);
        *deadline = w.get_ref().deadline();
        sent
    }

    /// Sends `before`, then a frame encoded already (a compact call); as `send`.
    pub fn send_frame(&self, before: Vec<ClientMessage>, frame: &[u8], deadline: &mut Deadline) -> Result<(), FrameError> {
        let mut w = self.writer();
        before.iter().try_for_each(|m| w.queue(m))?;
        w.get_mut().set_deadline(*deadline);
        let sent = w.send_frame(frame).map_err(FrameError::Io);
        *deadline = w.get_ref().deadline();
        sent
    }

    pub fn announce_segment(&self, id: u32, size: u64, fd: BorrowedDescriptor<'_>, deadline: Option<Instant>) -> std::io::Result<()> {
        self.send_with_descriptor(&ClientMessage::Segment { id, size }, fd, deadline)
    }

    /// Sends `msg` with the descriptor `fd` riding on it (SCM_RIGHTS), after what is queued.
    pub fn send_with_descriptor(&self, msg: &ClientMessage, fd: BorrowedDescriptor<'_>, deadline: Option<Instant>) -> std::io::Result<()> {
        let frame = encode(msg).map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut w = self.writer();
        w.get_mut().set_deadline(deadline.into());
        w.flush()?;
        w.get_mut().write_with_fd(&frame, fd)
    }

    /// The next message, waiting for it until `deadline` (`None`: nothing came by then). The
    /// rest of a frame whose first bytes came must come by then too, without a pause of
    /// `STALL` (else `TimedOut`).
    ///
    /// # Safety
    /// The caller holds the channel's reading claim (see `ClaimedReader`).
    pub unsafe fn read(&self, deadline: Option<Instant>) -> Result<Option<ServerMessage>, FrameError> {
        // SAFETY: the caller's contract.
        let reader = unsafe { self.reader.claimed() };
        // The answer usually comes within microseconds: the wait looks for it before sleeping.
        if reader.buffered().is_empty() && reader.get_mut().wait(deadline, None)? == Woken::TimedOut {
            return Ok(None);
        }
        let mut room = FrameRoom::<TYPICAL_FRAME>::new();
        if let Take::Frame(_) = reader.take_ready(&mut room)? {
            return decode_main(room.payload()).map(Some);
        }
        reader.get_mut().set_limits(deadline, Some(STALL));
        reader.read_with(decode_main).map(Some)
    }

    /// The next message if a whole one comes within `budget` (`None`: none did), looking
    /// without sleeping; never waits on a frame begun, so a caller holding the GIL can afford it.
    /// With it, whether it came right after the look's first pause (`Looked::after_pause`).
    ///
    /// # Safety
    /// The caller holds the channel's reading claim (see `ClaimedReader`).
    pub unsafe fn poll(&self, budget: Duration) -> Option<(Result<ServerMessage, FrameError>, Looked)> {
        // SAFETY: the caller's contract.
        unsafe { self.poll_with(budget, |read, looked| (read, looked)) }
    }

    /// `poll`, the message handed to `then` where it is decoded, which answers what the caller
    /// keeps of it: a lone call's reply keeps its outcome alone, and a whole message moved out
    /// through `poll`'s answer cost about 20 instructions a call.
    ///
    /// # Safety
    /// As `poll`.
    #[inline(always)]
    pub unsafe fn poll_with<T>(&self, budget: Duration, then: impl FnOnce(Result<ServerMessage, FrameError>, Looked) -> T) -> Option<T> {
        // SAFETY: the caller's contract.
        poll_reader(unsafe { self.reader.claimed() }, budget, then)
    }

    /// The next message on the event ring, waiting for it as long as it takes (a spin, since
    /// events often come in bursts, then a sleep on the event socket).
    pub fn next_event(&self) -> Result<ServerMessage, FrameError> {
        let mut events = self.events.lock().unwrap();
        if events.buffered().is_empty() {
            events.get_mut().wait(None, None)?;
        }
        events.read::<ServerMessage>()
    }

    /// The next event if the whole of it has already been read from the socket (never blocks).
    pub fn buffered_event(&self) -> Option<Result<ServerMessage, FrameError>> {
        let mut events = self.events.lock().unwrap();
        if !events.has_frame() {
            return None;
        }
        Some(events.read::<ServerMessage>())
    }

    /// The next descriptor that came on the event socket.
    pub fn take_event_fd(&self) -> Option<OwnedDescriptor> {
        self.events.lock().unwrap().get_mut().take_fd()
    }

    /// The next descriptor that came on the main socket.
    ///
    /// # Safety
    /// The caller holds the channel's reading claim (see `ClaimedReader`): the descriptor may
    /// have to be read from the socket first.
    pub unsafe fn take_main_fd(&self) -> Option<OwnedDescriptor> {
        // SAFETY: the caller's contract.
        unsafe { self.reader.claimed() }.get_mut().take_fd()
    }

    /// How many descriptors the host sent that nothing claimed yet.
    pub fn queued_fds(&self) -> usize {
        self.main_fds.lock().unwrap().len() + self.events_fds.lock().unwrap().len()
    }

    /// Closes the descriptors the host sent and nothing claimed (the host is gone).
    pub fn release(&self) {
        self.main_fds.lock().unwrap().clear();
        self.events_fds.lock().unwrap().clear();
    }

    pub fn hang_up(&self) {
        let _ = self.writer().get_ref().hang_up();
    }

    /// Cuts both sockets, both ways, once the host is gone: every thread asleep on them wakes to
    /// their end (a caller reading the replies, the event dispatcher, a writer waiting for room),
    /// and the host reads the end too. A killed host's exit does this by itself; an in-process
    /// host is a thread nothing kills, whose ends stay open while it lives.
    pub fn cut(&self) {
        self.sockets.iter().for_each(SocketEnd::cut);
    }
}

/// A socket of ours beside the rings, by its descriptor (on Windows, the handle of our end of
/// the pipe, which is the pipe's server end): the bells of this `ClientEnd` own it, so it is
/// open as long as the `ClientEnd`.
struct SocketEnd(RawSocket);

#[cfg(unix)]
type RawSocket = std::os::fd::RawFd;
/// A handle's value: a raw handle is a pointer, which no `Sync` struct may hold.
#[cfg(windows)]
type RawSocket = usize;

impl SocketEnd {
    fn of(connection: &Connection) -> SocketEnd {
        #[cfg(unix)]
        return SocketEnd(std::os::fd::AsRawFd::as_raw_fd(connection));
        #[cfg(windows)]
        return SocketEnd(std::os::windows::io::AsRawHandle::as_raw_handle(&connection.pipe) as usize);
    }

    /// Ends the connection both ways, for both sides.
    fn cut(&self) {
        // SAFETY: a socket this end's bells own, open while `self` is (see `SocketEnd`).
        #[cfg(unix)]
        unsafe {
            libc::shutdown(self.0, libc::SHUT_RDWR)
        };
        // Disconnecting the server end fails every read and write pending at either end, and
        // every one that follows: each bell takes that for a hang-up.
        // SAFETY: as above, our end of the pipe.
        #[cfg(windows)]
        unsafe {
            windows_sys::Win32::System::Pipes::DisconnectNamedPipe(self.0 as windows_sys::Win32::Foundation::HANDLE)
        };
    }
}

/// How many times a look looked before its message was there.
#[derive(Clone, Copy, Debug)]
pub struct Looked(u32);

impl Looked {
    /// Whether the message came right after the look's first pause: between its first look and
    /// its second, which follow each other within nanoseconds unless a yield (or the kernel)
    /// let another thread run here between them. A host that answers then most likely ran on
    /// this thread's CPU (`napi_link::shared_cpu`).
    pub fn after_pause(self) -> bool {
        self.0 == 2
    }
}

/// The next message of `reader` if a whole one comes within `budget`, looking without sleeping.
/// A short frame is copied from the ring straight into the stack and decoded there (a hostile
/// host's bytes are checked once copied, out of its reach); any other is read as usual.
#[inline(always)]
fn poll_reader<T>(
    reader: &mut FrameReader<RingIn>,
    budget: Duration,
    then: impl FnOnce(Result<ServerMessage, FrameError>, Looked) -> T,
) -> Option<T> {
    let mut looks = 0;
    let mut room = FrameRoom::<TYPICAL_FRAME>::new();
    let mut taken = false;
    let mut ready = || {
        looks += 1;
        match reader.take_ready(&mut room) {
            Ok(Take::Empty) => false,
            Ok(Take::Frame(_)) => {
                taken = true;
                true
            }
            // A broken ring ends the look: the read reports it.
            Ok(Take::Otherwise) => reader.fill_ready().unwrap_or(true),
            Err(_) => true,
        }
    };
    if !spin_until(&mut ready, budget) {
        return None;
    }
    let read = match taken {
        true => decode_main(room.payload()),
        false => reader.read_with(decode_main),
    };
    Some(then(read, Looked(looks)))
}
