//! The byte streams frames travel on between the client and the host, each way: a shared-memory
//! ring per direction, and one more for the host's events, each with a socket kept
//! beside it as the doorbell, the carrier of descriptors and the sign of a hang-up (the main
//! socket for the first two, the event socket for the event ring).
//!
//! Over rings, a side that waits for bytes first looks at its ring for a while
//! ([`crate::spin`]); then it raises its sleeping flag, looks once more, and sleeps in `poll` on
//! the socket. A writer that finds the flag raised lowers it and sends one byte on the socket.
//! So an idle side sleeps in the kernel and uses no CPU, and a peer that dies is still seen at
//! once: its end of the socket hangs up, which wakes the sleeper (and the host's watchdog).
//! A descriptor (a segment's) goes on the socket, with one byte, before the frame that
//! announces it is written to the ring; the reader takes it from what the socket brought.
//!
//! The socket is the bell's on Linux and macOS (`streams/bell/unix.rs`); on Windows the bell is
//! a named pipe that carries handles and the hang-up, with an event each way for the wake-ups
//! (`streams/bell/windows.rs`, D34). Everything else here is the same on both.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::shm::ring::{Consumer, Direction, Producer, Rings};
pub use crate::shm::ring::{FrameRoom, Room, Take};
use crate::shm::{BorrowedDescriptor, OwnedDescriptor};
use crate::spin::{spin_until, SPIN};

mod bell;
#[cfg(unix)]
use crate::shm::FdQueue;
use bell::Bell;
#[cfg(windows)]
pub use bell::{new_event, FdQueue, HandleCarrier};
pub use bell::{Connection, RawDescriptor};

/// What ended a wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Woken {
    /// Bytes are ready, or the stream ended or failed (the next read says which).
    Readable,
    /// The other thing waited for became ready first.
    Also,
    /// The deadline passed.
    TimedOut,
}

/// Something else a wait ends for: a descriptor to poll (on Windows, a handle to wait on that
/// stays signalled while the thing is ready: a manual-reset event), and a cheap look at the
/// same condition for the spin (the host's event queue).
#[derive(Clone, Copy)]
pub struct Also<'a> {
    pub fd: RawDescriptor,
    pub ready: &'a dyn Fn() -> bool,
}

/// Where frames come from.
pub trait Inbound: Read + Send {
    /// Waits (a spin, then a sleep) until a read would return at once, `also` is ready, or
    /// `deadline` passes.
    fn wait(&mut self, deadline: Option<Instant>, also: Option<Also<'_>>) -> io::Result<Woken>;

    /// Whether a read would return at once (bytes, or the peer's end), without waiting.
    fn ready(&mut self) -> bool;

    /// The descriptor sent with the announcement just read, if it came.
    fn take_fd(&mut self) -> Option<OwnedDescriptor>;
}

/// Where frames go.
pub trait Outbound: Write + Send {
    /// Writes `frame` so that `fd` reaches the reader before the frame can be read.
    fn write_with_fd(&mut self, frame: &[u8], fd: BorrowedDescriptor<'_>) -> io::Result<()>;

    /// Tells the peer nothing more will come (it reads what was sent, then the end).
    fn hang_up(&self) -> io::Result<()>;
}

/// Frames read from a ring.
pub struct RingIn {
    consumer: Consumer,
    bell: Arc<Bell>,
    /// When a read that finds no bytes gives up ([`io::ErrorKind::TimedOut`]): the deadline of
    /// what the reader waits for, and how long a peer may pause inside a frame (see
    /// [`RingIn::set_limits`]).
    deadline: Option<Instant>,
    stall: Option<Duration>,
}

/// Frames written to a ring.
pub struct RingOut {
    producer: Producer,
    bell: Arc<Bell>,
    /// When a write that finds the ring full gives up ([`io::ErrorKind::TimedOut`]): fixed by
    /// the first wait for room, which every later one shares (a frame streams through in many).
    deadline: Deadline,
    /// What the writer does around a wait for room (see [`RoomWait`]).
    room_wait: Option<Arc<dyn RoomWait>>,
}

/// What a writer does while a full ring keeps it waiting: a frame larger than the room left
/// streams through only as the reader makes room, so the reader must be reading by then.
///
/// The ring's own sleeping flag wakes a reader that sleeps on the ring, but a reader may idle on
/// a wake-up of its own (an in-process host thread does), and the writer may hold what the
/// reader needs before it reads again (Python's GIL, which an in-process host thread takes for
/// its event turns). Without this, a frame larger than the ring would wait for a reader that
/// waits for the writer.
pub trait RoomWait: Send + Sync {
    /// Runs `wait` (the writer's wait for room, published bytes already in the ring) after
    /// telling the reader that bytes wait, having let go of what the reader may need.
    fn waiting(&self, wait: &mut dyn FnMut());
}

/// How long a peer may pause in the middle of a frame before the reader gives up on it: a frame
/// is written in one go (one that outgrows the ring streams through as the reader makes room),
/// so a pause this long means a broken or hostile peer, never a busy one.
pub const STALL: Duration = Duration::from_secs(5);

/// When a wait gives up: never, at an instant, or a timeout not started yet, counted from the
/// first wait that asks for its instant (`fix`). A call's bytes that go and come back without a
/// wait so read no clock (a clock read and the sum cost about 45 instructions a call); a wait
/// that does begin fixes the instant for every wait after it that shares the deadline, so the
/// timeout bounds them all together, never each afresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadline {
    Never,
    At(Instant),
    After(Duration),
}

impl Deadline {
    /// A timeout counted from the first wait; none: `Never`.
    #[inline]
    pub fn after(timeout: Option<Duration>) -> Deadline {
        timeout.map_or(Deadline::Never, Deadline::After)
    }

    /// The instant a wait beginning now gives up at: a timeout not started yet starts now and
    /// is an instant from then on. A timeout past what an `Instant` can hold never ends.
    pub fn fix(&mut self) -> Option<Instant> {
        if let Deadline::After(timeout) = *self {
            *self = Instant::now().checked_add(timeout).map_or(Deadline::Never, Deadline::At);
        }
        match *self {
            Deadline::At(at) => Some(at),
            _ => None,
        }
    }
}

impl From<Option<Instant>> for Deadline {
    fn from(at: Option<Instant>) -> Deadline {
        at.map_or(Deadline::Never, Deadline::At)
    }
}

/// The earlier of two deadlines, either of which may be absent.
pub fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what.to_string())
}

/// Which side of the rings an end is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client,
    Host,
}

/// This side's ends of `rings`, with `socket` (connected to the peer) beside them.
pub fn over_rings(rings: &Rings, side: Side, socket: Connection) -> (RingIn, RingOut) {
    let (inbound, outbound) = match side {
        Side::Client => (Direction::ToClient, Direction::ToHost),
        Side::Host => (Direction::ToHost, Direction::ToClient),
    };
    let bell = Bell::beside(socket);
    (RingIn::new(rings.consumer(inbound), bell.clone()), RingOut::new(rings.producer(outbound), bell))
}

/// The client's end of the event ring, with the event socket beside it: what the event
/// dispatcher reads.
pub fn events_in(rings: &Rings, socket: Connection) -> RingIn {
    RingIn::new(rings.consumer(Direction::Events), Bell::beside(socket))
}

/// The host's end of the event ring, with the event socket beside it.
pub fn events_out(rings: &Rings, socket: Connection) -> RingOut {
    RingOut::new(rings.producer(Direction::Events), Bell::beside(socket))
}

impl RingIn {
    fn new(consumer: Consumer, bell: Arc<Bell>) -> RingIn {
        RingIn { consumer, bell, deadline: None, stall: None }
    }

    /// The queue of descriptors that came on the socket and are not claimed yet.
    pub fn fds(&self) -> FdQueue {
        self.bell.fds.clone()
    }

    /// Bounds the waits of reads (the middle of a frame, since a frame's first byte is waited
    /// for with [`Inbound::wait`]): until `deadline`, and for at most `stall` at a time.
    pub fn set_limits(&mut self, deadline: Option<Instant>, stall: Option<Duration>) {
        self.deadline = deadline;
        self.stall = stall;
    }

    /// Whether bytes are ready to read (never waiting); an error when the ring is broken.
    pub fn has_bytes(&mut self) -> io::Result<bool> {
        Ok(self.consumer.available()? > 0)
    }

    /// The next frame's payload copied straight from the ring into `room`, if the whole frame
    /// is ready and fits (`Consumer::take_frame`); else nothing is taken.
    #[inline]
    pub fn take_frame<R: Room + ?Sized>(&mut self, room: &mut R) -> io::Result<Take> {
        self.consumer.take_frame(room)
    }

    /// Bytes ready, or the end (or a broken ring, which the read reports).
    fn readable(&mut self) -> bool {
        self.consumer.touch_next();
        !matches!(self.consumer.available(), Ok(0)) || self.bell.hung_up()
    }

    /// Sleeps on the socket (and `also`) until the ring has bytes, the peer hangs up, `also`
    /// is ready, or `deadline` passes.
    fn sleep(&mut self, deadline: Option<Instant>, also: Option<RawDescriptor>) -> io::Result<Woken> {
        let only_the_socket = also.is_none() && deadline.is_none();
        loop {
            if self.consumer.prepare_sleep()? {
                return Ok(Woken::Readable);
            }
            if only_the_socket {
                let woken = self.bell.drain(true);
                self.consumer.awake();
                woken?;
                if self.readable() {
                    return Ok(Woken::Readable);
                }
                continue;
            }
            let ready = self.bell.sleep(also, deadline);
            self.consumer.awake();
            let ready = ready?;
            if ready.is_some_and(|r| r.bell) {
                self.bell.drain(false)?;
            }
            if self.readable() {
                return Ok(Woken::Readable);
            }
            if ready.is_some_and(|r| r.also) {
                return Ok(Woken::Also);
            }
            if ready.is_none() || deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(Woken::TimedOut);
            }
            // A stale wake-up (sent for a sleep that had already ended), or a descriptor.
        }
    }
}

impl Read for RingIn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let n = self.consumer.pop(buf)?;
            if n > 0 {
                return Ok(n);
            }
            if self.bell.hung_up() {
                // What the peer wrote before it hung up is in the ring by now.
                return self.consumer.pop(buf);
            }
            let until = earliest(self.deadline, self.stall.map(|s| Instant::now() + s));
            if self.wait(until, None)? == Woken::TimedOut {
                return Err(timed_out("the peer stopped sending in the middle of a frame"));
            }
        }
    }
}

impl Inbound for RingIn {
    fn wait(&mut self, deadline: Option<Instant>, also: Option<Also<'_>>) -> io::Result<Woken> {
        let also_ready = || also.is_some_and(|a| (a.ready)());
        if spin_until(|| self.readable() || also_ready(), SPIN) {
            // The other thing may be ready at every look (a host's events while a thread posts
            // without pause): a peer that hung up must be seen all the same, or the host would
            // never learn its client left. A look at the socket, without reading it.
            return Ok(if self.readable() || self.bell.peer_gone() { Woken::Readable } else { Woken::Also });
        }
        self.sleep(deadline, also.map(|a| a.fd))
    }

    fn ready(&mut self) -> bool {
        self.readable() || self.bell.peer_gone()
    }

    fn take_fd(&mut self) -> Option<OwnedDescriptor> {
        // The descriptor went before the announcement was written: it is on the socket by now
        // (on Windows, written to the pipe, whose read completes a moment later).
        if self.bell.fds.lock().unwrap().is_empty() {
            #[cfg(unix)]
            self.bell.drain(false).ok()?;
            #[cfg(windows)]
            self.bell.await_handle(STALL).ok()?;
        }
        self.bell.fds.lock().unwrap().pop_front()
    }
}

/// How long a writer facing a full ring sleeps between looks, at most: a reader that slow is
/// busy, and this is far below what it takes to process a ring's worth of bytes.
const FULL_PAUSE: Duration = Duration::from_millis(1);

impl RingOut {
    fn new(producer: Producer, bell: Arc<Bell>) -> RingOut {
        RingOut { producer, bell, deadline: Deadline::Never, room_wait: None }
    }

    /// Bounds the waits of writes that find the ring full: until `deadline`.
    #[inline]
    pub fn set_deadline(&mut self, deadline: Deadline) {
        self.deadline = deadline;
    }

    /// The deadline of the writes' waits: fixed, if one of them waited for room since
    /// `set_deadline` was given a timeout not started.
    #[inline]
    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// What this writer does around every wait for room from now on.
    pub fn set_room_wait(&mut self, room_wait: Arc<dyn RoomWait>) {
        self.room_wait = Some(room_wait);
    }

    /// Waits for room in the ring, inside the writer's [`RoomWait`] if it has one.
    fn wait_for_room(&mut self) -> io::Result<()> {
        let Some(room_wait) = self.room_wait.clone() else { return self.wait_for_room_now() };
        let mut waited = Ok(());
        room_wait.waiting(&mut || waited = self.wait_for_room_now());
        waited
    }

    /// Waits for room in the ring; fails once the peer is gone (it will never make room), or
    /// when the deadline passes.
    fn wait_for_room_now(&mut self) -> io::Result<()> {
        let deadline = self.deadline.fix();
        let mut room = || !matches!(self.producer.free(), Ok(0));
        if spin_until(&mut room, SPIN) {
            return Ok(());
        }
        let mut pause = Duration::from_micros(50);
        loop {
            if room() {
                return Ok(());
            }
            if self.bell.peer_gone() {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "the peer is gone and its ring is full"));
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                return Err(timed_out("the peer read nothing of a full ring before the deadline"));
            }
            std::thread::sleep(left.map_or(pause, |l| pause.min(l)));
            pause = (pause * 2).min(FULL_PAUSE);
        }
    }
}

impl Write for RingOut {
    /// Inline always: a frame that fits is sent by this one write, and a call of it cost a
    /// compact call about 17 instructions.
    #[inline(always)]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.producer.push(buf)? {
                (0, _) => self.wait_for_room()?,
                (n, wake) => {
                    if wake {
                        self.bell.ring();
                    }
                    return Ok(n);
                }
            }
        }
    }

    /// A frame that fits goes in one `write`; `write` never answers 0 (it waits for room) nor
    /// `Interrupted`, so this needs none of the default's handling of them.
    #[inline]
    fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.write(buf)?;
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Every write is published at once.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Outbound for RingOut {
    fn write_with_fd(&mut self, frame: &[u8], fd: BorrowedDescriptor<'_>) -> io::Result<()> {
        self.bell.send_descriptor(fd)?;
        self.write_all(frame)
    }

    fn hang_up(&self) -> io::Result<()> {
        self.bell.hang_up()
    }
}

#[cfg(test)]
mod tests;
