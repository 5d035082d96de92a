//! Byte rings in shared memory: the isolated fast path's channel (D34).
//!
//! One sealed memory file holds three rings (client to host, host to client, and the host's
//! events to the client's event dispatcher), each a single-producer single-consumer byte
//! queue: the producer copies bytes in and publishes its write index, the consumer copies them
//! out and publishes its read index. Indices count bytes from the start and only grow; an index maps to an offset by masking with the capacity (a
//! power of two), so no value a peer writes can point outside the ring.
//!
//! The peer may be crashed or hostile, so nothing it writes is trusted: each side keeps its own
//! index in private memory (the shared copy is only for the peer to read) and checks the peer's
//! index against what is possible (the write index at most one ring ahead of the read index and
//! never going back; the read index between the last one seen and the write index). A violation
//! is an error for the caller to treat as a protocol error. The bytes themselves are whatever
//! the frame decoder makes of them.
//!
//! Waking a consumer that went to sleep is the caller's business (`crate::streams`): the consumer
//! raises its `sleeping` flag before it sleeps and looks once more; the producer, after
//! publishing, looks at the flag and reports that the consumer needs a wake-up.

use std::io;
use std::mem::MaybeUninit;
use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use napi_protocol::frame::HEADER_LEN;

use super::segment::{Mapping, OwnSegment};
use super::BorrowedDescriptor;

/// Bytes each ring holds: messages are small (bulk bytes travel in segments), so this is
/// room for thousands of them; a larger frame streams through.
pub const RING_CAPACITY: u64 = 1 << 20;

/// The control page in front of the rings.
const CONTROL_LEN: u64 = 4096;

/// The size of the memory file: the control page, then the rings.
pub const RINGS_LEN: u64 = CONTROL_LEN + Direction::COUNT as u64 * RING_CAPACITY;

/// Distance between control words that different sides write, so that they never share a cache
/// line (nor a pair of lines, which some CPUs fetch together).
const LINE: usize = 128;

/// Control words of one ring, at `LINE` steps: the write index (producer), the read index
/// (consumer), the consumer's sleeping flag (raised by the consumer, lowered by either).
const HEAD: usize = 0;
const TAIL: usize = LINE;
const SLEEPING: usize = 2 * LINE;
const CONTROL_PER_RING: usize = 3 * LINE;

/// Which way a ring carries bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Requests and the answers of the host's calls into Python.
    ToHost,
    /// Replies and the calls of requests.
    ToClient,
    /// What no request asked for (event-turn calls, settlements, uncaught exceptions), read by
    /// the client's event dispatcher.
    Events,
}

impl Direction {
    const COUNT: usize = 3;

    fn index(self) -> usize {
        match self {
            Direction::ToHost => 0,
            Direction::ToClient => 1,
            Direction::Events => 2,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Direction::ToHost => "the ring to the host",
            Direction::ToClient => "the ring to the client",
            Direction::Events => "the event ring",
        }
    }
}

/// The rings, mapped.
#[derive(Clone, Debug)]
pub struct Rings {
    mapping: Arc<Mapping>,
}

impl Rings {
    /// New, empty rings (the client makes them) and the file to hand to the host.
    pub fn create() -> io::Result<(Rings, OwnSegment)> {
        let file = OwnSegment::create_named(RINGS_LEN, c"napi-rings")?;
        Ok((Rings { mapping: file.mapping.clone() }, file))
    }

    /// Maps the rings the peer made, with the checks of any peer segment (sealed, large enough).
    pub fn of_peer(fd: BorrowedDescriptor<'_>) -> io::Result<Rings> {
        Ok(Rings { mapping: Arc::new(Mapping::of_peer(fd, RINGS_LEN)?) })
    }

    fn ring(&self, direction: Direction) -> Ring {
        let base = self.mapping.as_ptr();
        // SAFETY: the mapping holds RINGS_LEN bytes (checked when mapped): the control page,
        // then every ring.
        let (control, data) = unsafe {
            (base.add(direction.index() * CONTROL_PER_RING), base.add(CONTROL_LEN as usize + direction.index() * RING_CAPACITY as usize))
        };
        Ring { _mapping: self.mapping.clone(), direction, control, data }
    }

    pub fn producer(&self, direction: Direction) -> Producer {
        Producer { ring: self.ring(direction), head: 0, tail: 0 }
    }

    pub fn consumer(&self, direction: Direction) -> Consumer {
        Consumer { ring: self.ring(direction), tail: 0, head: 0 }
    }
}

/// One ring's words and bytes inside the mapping, their addresses worked out once (every look
/// at the ring reads a word).
#[derive(Debug)]
struct Ring {
    /// Keeps `control` and `data` mapped: held, never read.
    _mapping: Arc<Mapping>,
    direction: Direction,
    /// This ring's control words, in the control page.
    control: *mut u8,
    /// This ring's bytes.
    data: *mut u8,
}

// SAFETY: the two pointers are addresses inside `mapping`, which `Mapping` shares between
// threads (see its own `Send` and `Sync`); what they point at is accessed as `Mapping`'s bytes
// are: the words atomically, the bytes by the one producer or consumer that owns this `Ring`.
unsafe impl Send for Ring {}
// SAFETY: as for `Send`; `&Ring` hands out only the atomic words and the address of the bytes.
unsafe impl Sync for Ring {}

impl Ring {
    #[inline(always)]
    fn word64(&self, which: usize) -> &AtomicU64 {
        // SAFETY: the offset lies in this ring's control words (asserted below), 8-aligned in a
        // page-aligned mapping that lives as long as `self`; both processes only ever access
        // these words atomically.
        unsafe { AtomicU64::from_ptr(self.control.add(which).cast()) }
    }

    #[inline(always)]
    fn head(&self) -> &AtomicU64 {
        self.word64(HEAD)
    }

    #[inline(always)]
    fn tail(&self) -> &AtomicU64 {
        self.word64(TAIL)
    }

    #[inline(always)]
    fn sleeping(&self) -> &AtomicU32 {
        // SAFETY: as in `word64`.
        unsafe { AtomicU32::from_ptr(self.control.add(SLEEPING).cast()) }
    }

    /// The ring's bytes.
    #[inline(always)]
    fn data(&self) -> *mut u8 {
        self.data
    }

    /// The parts of the ring `len` bytes from `index` cover: up to the end, then from the start.
    /// The second is empty unless the bytes wrap round the ring's end (and the first only when
    /// `len` is 0): a copy stops at an empty one, which would otherwise cost a call of `memcpy`
    /// for nothing on nearly every frame.
    fn spans(index: u64, len: usize) -> [(usize, usize); 2] {
        let at = (index & (RING_CAPACITY - 1)) as usize;
        let first = len.min(RING_CAPACITY as usize - at);
        [(at, first), (0, len - first)]
    }

    #[cold]
    #[inline(never)]
    fn broken(&self, what: &str) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, format!("the peer broke {}: {what}", self.direction.name()))
    }
}

const _: () = assert!(Direction::COUNT * CONTROL_PER_RING <= CONTROL_LEN as usize && RING_CAPACITY.is_power_of_two());

/// The longest copy made inline by [`copy_bytes`].
const SHORT_COPY: usize = 64;

/// Copies `len` bytes from `from` to `to`. A frame on the calls' path is a few dozen bytes (a
/// compact call, its reply), and a call of `memcpy` for them cost about 21 instructions of
/// which most were its call and its choice of method: up to [`SHORT_COPY`] bytes, the copy is
/// two fixed-size moves from the first and the last bytes, which overlap in the middle, inline
/// (memcpy's own method for short copies). Neither move touches a byte outside the `len` from
/// `from` and `to`: a reader in the ring reads only the bytes it was given, published ones.
///
/// # Safety
/// `from` is readable and `to` writable for `len` bytes, and the two do not overlap.
#[inline(always)]
unsafe fn copy_bytes(from: *const u8, to: *mut u8, len: usize) {
    // Longest first: the frames on the calls' path are mostly 16 to 64 bytes, one or two
    // comparisons here.
    // SAFETY: in each branch, `copy_pair::<N>` runs only when `N <= len <= 2 * N`, its
    // contract; the three single bytes lie below `len`; the rest is the caller's contract.
    unsafe {
        if len > SHORT_COPY {
            std::ptr::copy_nonoverlapping(from, to, len);
        } else if len >= 32 {
            copy_pair::<32>(from, to, len);
        } else if len >= 16 {
            copy_pair::<16>(from, to, len);
        } else if len >= 8 {
            copy_pair::<8>(from, to, len);
        } else if len >= 4 {
            copy_pair::<4>(from, to, len);
        } else if len > 0 {
            // The first, the middle and the last byte: all of them for 1 to 3 bytes.
            *to = *from;
            *to.add(len / 2) = *from.add(len / 2);
            *to.add(len - 1) = *from.add(len - 1);
        }
    }
}

/// `copy_bytes` of `len` bytes, `N <= len <= 2 * N`: the first `N` and the last `N`, both read
/// before either is written.
///
/// # Safety
/// As `copy_bytes`, and `N <= len <= 2 * N`.
#[inline(always)]
unsafe fn copy_pair<const N: usize>(from: *const u8, to: *mut u8, len: usize) {
    debug_assert!(N <= len && len <= 2 * N);
    // SAFETY: both `N`-byte pieces, at 0 and at `len - N` (at least 0), end within `len` bytes
    // of `from` and of `to` (the caller's contract); unaligned accesses of byte arrays.
    unsafe {
        let first = from.cast::<[u8; N]>().read_unaligned();
        let last = from.add(len - N).cast::<[u8; N]>().read_unaligned();
        to.cast::<[u8; N]>().write_unaligned(first);
        to.add(len - N).cast::<[u8; N]>().write_unaligned(last);
    }
}

/// The writing end of a ring.
#[derive(Debug)]
pub struct Producer {
    ring: Ring,
    /// What this side has written (the shared copy only informs the consumer).
    head: u64,
    /// The consumer's read index as last seen.
    tail: u64,
}

impl Producer {
    /// Bytes that fit now; an error when the consumer's read index is impossible.
    pub fn free(&mut self) -> io::Result<u64> {
        let tail = self.ring.tail().load(Ordering::Acquire);
        // It only moves forward, and never past what was written.
        if tail.wrapping_sub(self.tail) > self.head.wrapping_sub(self.tail) {
            return Err(self.bad_tail(tail));
        }
        self.tail = tail;
        Ok(RING_CAPACITY - (self.head - tail))
    }

    /// The error of an impossible read index, out of the way of the writes.
    #[cold]
    #[inline(never)]
    fn bad_tail(&self, tail: u64) -> io::Error {
        self.ring.broken(&format!("read index {tail} outside {}..={}", self.tail, self.head))
    }

    /// Copies as much of `bytes` as fits and publishes it. Answers how many bytes went in and
    /// whether the consumer was asleep (it must then be woken; its flag is lowered here, so
    /// one wake-up answers one sleep). Inline always: a call of it cost about 15 instructions
    /// of a compact call's send.
    #[inline(always)]
    pub fn push(&mut self, bytes: &[u8]) -> io::Result<(usize, bool)> {
        // The consumer's index is read only when the room known from its last value is short:
        // the line it lives on then stays with the consumer, and the look costs no miss.
        let known = RING_CAPACITY - (self.head - self.tail);
        let room = if known >= bytes.len() as u64 { known } else { self.free()? };
        let n = (room as usize).min(bytes.len());
        if n == 0 {
            return Ok((0, false));
        }
        let data = self.ring.data();
        let mut from = bytes.as_ptr();
        for (at, len) in Ring::spans(self.head, n) {
            if len == 0 {
                // See `Ring::spans`: no call of `memcpy` for nothing.
                break;
            }
            // SAFETY: `at + len` stays inside the ring (`spans`), `from` inside `bytes`; the
            // consumer does not read these bytes before the write index below covers them.
            unsafe {
                copy_bytes(from, data.add(at), len);
                from = from.add(len);
            }
        }
        self.head += n as u64;
        self.ring.head().store(self.head, Ordering::Release);
        // Pairs with the fence in `Consumer::prepare_sleep`: either the consumer sees the new
        // index before it sleeps, or this sees its flag.
        fence(Ordering::SeqCst);
        let sleeping = self.ring.sleeping();
        let wake = sleeping.load(Ordering::Relaxed) != 0 && sleeping.swap(0, Ordering::AcqRel) != 0;
        Ok((n, wake))
    }
}

/// What `Consumer::take_frame` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// A whole frame, its payload (of this many bytes) copied out and its room freed.
    Frame(usize),
    /// No bytes ready.
    Empty,
    /// Bytes ready, but not a whole frame that fits: nothing was taken, they are read as usual.
    Otherwise,
}

/// Where `Consumer::take_frame` copies a frame's payload: a byte slice or array, or a
/// [`FrameRoom`] left unwritten until then.
///
/// # Safety
/// `space` answers a pointer writable for the length it answers, valid while `self` is
/// borrowed, and no byte of it is read before `filled` says it was written.
pub unsafe trait Room {
    /// Where the payload goes, and how many bytes fit there.
    fn space(&mut self) -> (*mut u8, usize);

    /// The first `len` bytes of `space` were written.
    #[inline(always)]
    fn filled(&mut self, _len: usize) {}
}

// SAFETY: a slice's own bytes, all of them initialized already.
unsafe impl Room for [u8] {
    #[inline(always)]
    fn space(&mut self) -> (*mut u8, usize) {
        (self.as_mut_ptr(), self.len())
    }
}

// SAFETY: as for a slice.
unsafe impl<const N: usize> Room for [u8; N] {
    #[inline(always)]
    fn space(&mut self) -> (*mut u8, usize) {
        (self.as_mut_ptr(), N)
    }
}

/// Room for one frame's payload on the reader's stack, never zeroed: only the bytes a
/// `take_frame` wrote are read back ([`FrameRoom::payload`]). Zeroing 256 bytes before every
/// look for a reply cost about 17 instructions a call.
pub struct FrameRoom<const N: usize> {
    bytes: [MaybeUninit<u8>; N],
    /// How many of `bytes`, from the first, the last take wrote.
    len: usize,
}

impl<const N: usize> FrameRoom<N> {
    #[inline(always)]
    pub fn new() -> FrameRoom<N> {
        FrameRoom { bytes: [const { MaybeUninit::uninit() }; N], len: 0 }
    }

    /// The payload the last [`Take::Frame`] copied in (nothing before one).
    #[inline(always)]
    pub fn payload(&self) -> &[u8] {
        // SAFETY: `len <= N` bytes from the first were written (`filled`, told by `take_frame`
        // after its copy); `MaybeUninit<u8>` has the layout of `u8`.
        unsafe { std::slice::from_raw_parts(self.bytes.as_ptr().cast::<u8>(), self.len) }
    }
}

impl<const N: usize> Default for FrameRoom<N> {
    fn default() -> Self {
        FrameRoom::new()
    }
}

// SAFETY: `space` is the array's bytes; `payload` reads only the `len` that `filled` named.
unsafe impl<const N: usize> Room for FrameRoom<N> {
    #[inline(always)]
    fn space(&mut self) -> (*mut u8, usize) {
        (self.bytes.as_mut_ptr().cast(), N)
    }

    #[inline(always)]
    fn filled(&mut self, len: usize) {
        debug_assert!(len <= N);
        self.len = len;
    }
}

/// The reading end of a ring.
#[derive(Debug)]
pub struct Consumer {
    ring: Ring,
    /// What this side has read.
    tail: u64,
    /// The producer's write index as last seen.
    head: u64,
}

impl Consumer {
    /// Bytes ready to read; an error when the producer's write index is impossible.
    #[inline]
    pub fn available(&mut self) -> io::Result<u64> {
        let head = self.ring.head().load(Ordering::Acquire);
        if head.wrapping_sub(self.head) > RING_CAPACITY || head.wrapping_sub(self.tail) > RING_CAPACITY {
            return Err(self.bad_head(head));
        }
        self.head = head;
        Ok(head - self.tail)
    }

    /// The error of an impossible write index, out of the way of every look at a good one.
    #[cold]
    #[inline(never)]
    fn bad_head(&self, head: u64) -> io::Error {
        self.ring.broken(&format!("write index {head} outside {}..={}", self.head, self.tail + RING_CAPACITY))
    }

    /// Reads (and discards) the first two lines where the next bytes will land. A consumer
    /// polling the write index calls this beside it, so that when the producer writes both, the
    /// two cache misses overlap instead of following each other.
    #[inline]
    pub fn touch_next(&self) {
        let at = (self.tail & (RING_CAPACITY - 1)) as usize;
        let next = (at + 64) & (RING_CAPACITY as usize - 1);
        let data = self.ring.data();
        // SAFETY: both offsets are inside the ring (masked); a byte read races with the
        // producer's writes, which is why it is volatile and its value unused.
        unsafe {
            std::ptr::read_volatile(data.add(at));
            std::ptr::read_volatile(data.add(next));
        }
    }

    /// Copies out up to `buf.len()` ready bytes and frees their room; 0 when none are ready.
    pub fn pop(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (self.available()? as usize).min(buf.len());
        if n == 0 {
            return Ok(0);
        }
        self.copy_out(self.tail, &mut buf[..n]);
        self.tail += n as u64;
        self.ring.tail().store(self.tail, Ordering::Release);
        Ok(n)
    }

    /// Takes the next frame (a little-endian `u32` payload length, then the payload) when the
    /// whole of it is ready and its payload fits `room`: the payload is copied from the ring
    /// straight into `room` ([`Take::Frame`]). Otherwise nothing is taken, and the caller reads
    /// through `pop`. The length is the peer's word, checked against what is ready and against
    /// `room` before any byte is copied. Inline always: each look for a message is one, and
    /// a call of it cost about 15 instructions.
    ///
    /// Bytes a look saw already (`available`, which a reader's "anything here?" asks first) are
    /// taken without a second look at the write index: they stay published, and the producer
    /// writes nothing over them before the read index moves past them. A frame only part of
    /// which was seen is `Otherwise`, read through `pop`, which looks again.
    #[inline(always)]
    pub fn take_frame<R: Room + ?Sized>(&mut self, room: &mut R) -> io::Result<Take> {
        let (to, capacity) = room.space();
        let seen = self.head - self.tail;
        let ready = if seen != 0 { seen } else { self.available()? };
        if ready == 0 {
            return Ok(Take::Empty);
        }
        if ready < HEADER_LEN as u64 {
            return Ok(Take::Otherwise);
        }
        let len = self.header_at(self.tail) as usize;
        // `ready` is at most the ring's capacity (`available`): the sum cannot overflow.
        if len > capacity || (HEADER_LEN + len) as u64 > ready {
            return Ok(Take::Otherwise);
        }
        // SAFETY: `to` is writable for `capacity` bytes (`Room`'s contract), of which these are
        // the first `len`; the ring's bytes are published ones (`len + HEADER_LEN <= ready`).
        unsafe { self.copy_out_to(self.tail + HEADER_LEN as u64, to, len) };
        room.filled(len);
        self.tail += (HEADER_LEN + len) as u64;
        self.ring.tail().store(self.tail, Ordering::Release);
        Ok(Take::Frame(len))
    }

    /// The length word of the frame that starts at `index` (published bytes): read where it lies
    /// unless it wraps round the ring's end, where a copy of a length only known at run time
    /// would cost a call of `memcpy` for its 4 bytes.
    #[inline(always)]
    fn header_at(&self, index: u64) -> u32 {
        let at = (index & (RING_CAPACITY - 1)) as usize;
        let mut header = [0u8; HEADER_LEN];
        if at + HEADER_LEN <= RING_CAPACITY as usize {
            // SAFETY: the `HEADER_LEN` bytes from `at` lie inside the ring (just checked); an
            // unaligned read of a byte array, as `copy_out` copies them (what a hostile producer
            // writes there meanwhile only changes the length, which is checked once read).
            header = unsafe { self.ring.data().add(at).cast::<[u8; HEADER_LEN]>().read_unaligned() };
        } else {
            self.copy_out(index, &mut header);
        }
        u32::from_le_bytes(header)
    }

    /// Copies the ring's bytes from `index` on into `to` (bytes the producer published: at most
    /// `available()` from the read index).
    #[inline(always)]
    fn copy_out(&self, index: u64, to: &mut [u8]) {
        // SAFETY: `to` is writable for its length.
        unsafe { self.copy_out_to(index, to.as_mut_ptr(), to.len()) }
    }

    /// `copy_out` into the `len` bytes at `to`.
    ///
    /// # Safety
    /// `to` is writable for `len` bytes, outside the ring.
    #[inline(always)]
    unsafe fn copy_out_to(&self, index: u64, to: *mut u8, len: usize) {
        let data = self.ring.data();
        let mut at_to = to;
        for (at, len) in Ring::spans(index, len) {
            if len == 0 {
                // See `Ring::spans`: no call of `memcpy` for nothing.
                break;
            }
            // SAFETY: `at + len` stays inside the ring (`spans`), `at_to` inside `to`'s `len`
            // bytes. The producer does not write these bytes again before the read index frees
            // them (a hostile one may, which only changes the bytes copied: they are checked
            // once copied, in memory the peer cannot reach).
            unsafe {
                copy_bytes(data.add(at), at_to, len);
                at_to = at_to.add(len);
            }
        }
    }

    /// Raises the sleeping flag before sleeping; answers whether bytes arrived meanwhile (the
    /// caller must then not sleep). After a `false`, any producer that publishes sees the flag.
    pub fn prepare_sleep(&mut self) -> io::Result<bool> {
        self.ring.sleeping().store(1, Ordering::Relaxed);
        // Pairs with the fence in `Producer::push`.
        fence(Ordering::SeqCst);
        let ready = self.available()? > 0;
        if ready {
            self.awake();
        }
        Ok(ready)
    }

    /// Lowers the sleeping flag (the producer also lowers it when it wakes this side).
    pub fn awake(&self) {
        self.ring.sleeping().store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (Producer, Consumer) {
        let (rings, _file) = Rings::create().unwrap();
        (rings.producer(Direction::ToHost), rings.consumer(Direction::ToHost))
    }

    #[test]
    fn bytes_come_out_in_order_across_the_wrap_around() {
        let (mut p, mut c) = pair();
        let mut next_in = 0u8;
        let mut next_out = 0u8;
        let mut buf = vec![0u8; 300_000];
        // Chunks that do not divide the capacity, so writes and reads straddle the end.
        for _ in 0..40 {
            let chunk: Vec<u8> = (0..250_001)
                .map(|_| {
                    next_in = next_in.wrapping_add(1);
                    next_in
                })
                .collect();
            assert_eq!(p.push(&chunk).unwrap().0, chunk.len());
            let mut got = 0;
            while got < chunk.len() {
                let n = c.pop(&mut buf[..(chunk.len() - got).min(77_777)]).unwrap();
                for &b in &buf[..n] {
                    next_out = next_out.wrapping_add(1);
                    assert_eq!(b, next_out);
                }
                got += n;
            }
        }
        assert!(p.head > 4 * RING_CAPACITY, "wrapped several times");
    }

    #[test]
    fn a_full_ring_takes_nothing_more_until_read() {
        let (mut p, mut c) = pair();
        let big = vec![7u8; RING_CAPACITY as usize + 10];
        assert_eq!(p.push(&big).unwrap().0, RING_CAPACITY as usize);
        assert_eq!(p.push(b"x").unwrap().0, 0);
        let mut buf = [0u8; 10];
        assert_eq!(c.pop(&mut buf).unwrap(), 10);
        assert_eq!(p.push(&big).unwrap().0, 10);
    }

    #[test]
    fn impossible_indices_from_the_peer_are_errors() {
        let (mut p, mut c) = pair();
        p.push(b"hello").unwrap();
        // A write index more than a ring ahead of what was read.
        c.ring.head().store(RING_CAPACITY + 1, Ordering::Relaxed);
        let e = c.available().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("write index"), "{e}");
        // A write index going back.
        let (mut p, mut c) = pair();
        p.push(b"hello").unwrap();
        assert_eq!(c.available().unwrap(), 5);
        c.ring.head().store(2, Ordering::Relaxed);
        assert!(c.available().is_err());
        // A read index past what was written, or going back.
        let (mut p, mut c) = pair();
        p.push(b"hello").unwrap();
        p.ring.tail().store(6, Ordering::Relaxed);
        assert!(p.free().unwrap_err().to_string().contains("read index"));
        p.ring.tail().store(0, Ordering::Relaxed);
        c.pop(&mut [0u8; 4]).unwrap();
        assert_eq!(p.free().unwrap(), RING_CAPACITY - 1);
        p.ring.tail().store(1, Ordering::Relaxed);
        assert!(p.free().is_err());
        // A push looks at the read index when the room it knows of is short.
        assert!(p.push(&vec![0u8; RING_CAPACITY as usize]).is_err());
    }

    /// A frame as a writer sends it: its payload's length, then the payload.
    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut f = (payload.len() as u32).to_le_bytes().to_vec();
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn a_whole_frame_is_taken_straight_into_the_room_even_across_the_wrap_around() {
        let (mut p, mut c) = pair();
        let mut room = [0u8; 64];
        assert_eq!(c.take_frame(&mut room).unwrap(), Take::Empty);
        // Move the indices so that the next frames straddle the ring's end: the header in one
        // frame, the payload in the next.
        let mut sink = vec![0u8; RING_CAPACITY as usize];
        for skip in [RING_CAPACITY as usize - 6, RING_CAPACITY as usize - 2] {
            let pad = skip - (p.head as usize % RING_CAPACITY as usize);
            assert_eq!(p.push(&vec![9u8; pad]).unwrap().0, pad);
            assert_eq!(c.pop(&mut sink[..pad]).unwrap(), pad);
            let payload: Vec<u8> = (1..=40).collect();
            p.push(&frame(&payload)).unwrap();
            assert_eq!(c.take_frame(&mut room).unwrap(), Take::Frame(40));
            assert_eq!(&room[..40], &payload[..]);
            assert_eq!(c.available().unwrap(), 0, "the frame's room is freed");
            assert_eq!(p.free().unwrap(), RING_CAPACITY);
        }
    }

    #[test]
    fn a_frame_cut_short_or_too_long_for_the_room_is_left_whole_for_pop() {
        let (mut p, mut c) = pair();
        let mut room = [0u8; 8];
        let whole = frame(b"0123456789");
        // Part of the header, then part of the payload: nothing taken.
        for part in [2, 7] {
            let (mut p, mut c) = pair();
            p.push(&whole[..part]).unwrap();
            assert_eq!(c.take_frame(&mut room).unwrap(), Take::Otherwise);
            assert_eq!(c.available().unwrap(), part as u64);
        }
        // Longer than the room: left for `pop`, byte for byte.
        p.push(&whole).unwrap();
        assert_eq!(c.take_frame(&mut room).unwrap(), Take::Otherwise);
        let mut out = [0u8; 32];
        assert_eq!(c.pop(&mut out).unwrap(), whole.len());
        assert_eq!(&out[..whole.len()], &whole[..]);
    }

    #[test]
    fn bytes_a_look_saw_are_taken_without_looking_at_the_write_index_again() {
        let (mut p, mut c) = pair();
        p.push(&frame(b"seen")).unwrap();
        assert_eq!(c.available().unwrap(), 8);
        // Published after the look, under a write index gone bad: the seen frame is taken as
        // it was published, and the next take looks again and finds the index broken.
        p.push(&frame(b"later")).unwrap();
        c.ring.head().store(RING_CAPACITY + 9, Ordering::Relaxed);
        let mut room = [0u8; 8];
        assert_eq!(c.take_frame(&mut room).unwrap(), Take::Frame(4));
        assert_eq!(&room[..4], b"seen");
        assert_eq!(c.take_frame(&mut room).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_length_past_the_ring_copies_nothing() {
        // A hostile peer's claims: beyond the ring, beyond what it wrote, the largest word.
        for claim in [RING_CAPACITY as u32 + 1, 100, u32::MAX] {
            let (mut p, mut c) = pair();
            let mut bytes = claim.to_le_bytes().to_vec();
            bytes.extend_from_slice(&[7; 20]);
            p.push(&bytes).unwrap();
            let mut room = vec![0u8; RING_CAPACITY as usize + 8];
            assert_eq!(c.take_frame(&mut room[..]).unwrap(), Take::Otherwise, "claim {claim}");
            assert!(room.iter().all(|&b| b == 0), "nothing copied for claim {claim}");
            assert_eq!(c.available().unwrap(), 24);
        }
        // A write index past the ring is refused before the header is looked at.
        let (mut p, mut c) = pair();
        p.push(&frame(b"x")).unwrap();
        c.ring.head().store(RING_CAPACITY + 9, Ordering::Relaxed);
        assert_eq!(c.take_frame(&mut [0u8; 8]).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_short_copy_touches_no_byte_beyond_its_frame() {
        // Every length a copy makes inline and a few past them, each frame ending at the last
        // byte of the event ring, which ends the mapping: a read or write past the frame would
        // run off it (or, where other memory follows, write the ring's first bytes, marked).
        let (rings, _file) = Rings::create().unwrap();
        let mut p = rings.producer(Direction::Events);
        let mut c = rings.consumer(Direction::Events);
        let mut sink = vec![0u8; RING_CAPACITY as usize];
        const MARK: u8 = 0xEE;
        for len in 0..=SHORT_COPY + 8 {
            let payload: Vec<u8> = (0..len).map(|i| i as u8 + 1).collect();
            let whole = frame(&payload);
            let at = (p.head % RING_CAPACITY) as usize;
            let pad = (2 * RING_CAPACITY as usize - whole.len() - at) % RING_CAPACITY as usize;
            assert_eq!(p.push(&vec![9u8; pad]).unwrap().0, pad);
            assert_eq!(c.pop(&mut sink[..pad]).unwrap(), pad);
            // SAFETY: the ring's first bytes, read already (or never written), in this test's
            // own mapping.
            unsafe { p.ring.data().write_bytes(MARK, 8) };
            p.push(&whole).unwrap();
            // SAFETY: as above.
            let after = unsafe { std::slice::from_raw_parts(p.ring.data(), 8) };
            assert!(after.iter().all(|&b| b == MARK), "the write of {len} bytes ran past its frame");
            // Into a room marked past the payload, and into a room never written.
            let mut marked = [MARK; SHORT_COPY + 16];
            let mut room = FrameRoom::<{ SHORT_COPY + 16 }>::new();
            if len % 2 == 0 {
                assert_eq!(c.take_frame(&mut marked).unwrap(), Take::Frame(len));
                assert_eq!(&marked[..len], &payload[..]);
                assert!(marked[len..].iter().all(|&b| b == MARK), "the read of {len} bytes wrote past them");
            } else {
                assert_eq!(c.take_frame(&mut room).unwrap(), Take::Frame(len));
                assert_eq!(room.payload(), &payload[..]);
            }
            assert_eq!(c.available().unwrap(), 0);
        }
    }

    #[test]
    fn the_producer_reports_a_sleeping_consumer_once() {
        let (mut p, mut c) = pair();
        assert!(!c.prepare_sleep().unwrap());
        assert_eq!(p.push(b"a").unwrap(), (1, true));
        assert_eq!(p.push(b"b").unwrap(), (1, false), "the flag was lowered by the first wake-up");
        assert!(c.prepare_sleep().unwrap(), "bytes are ready: no sleep");
        assert_eq!(p.push(b"c").unwrap(), (1, false));
    }

    #[test]
    fn touching_the_next_lines_stays_inside_the_ring_at_its_end() {
        // The event ring ends the mapping: a look past its end would fault.
        let (rings, _file) = Rings::create().unwrap();
        let mut p = rings.producer(Direction::Events);
        let mut c = rings.consumer(Direction::Events);
        let mut buf = vec![0u8; RING_CAPACITY as usize];
        // First the ring's last byte (its next line wraps to the start), then its first.
        for len in [RING_CAPACITY as usize - 1, 1] {
            assert_eq!(p.push(&buf[..len]).unwrap().0, len);
            assert_eq!(c.pop(&mut buf).unwrap(), len);
            c.touch_next();
        }
    }

    #[test]
    fn a_peer_mapping_of_the_file_shares_the_rings() {
        let (rings, file) = Rings::create().unwrap();
        let peer = Rings::of_peer(file.descriptor()).unwrap();
        let mut p = rings.producer(Direction::ToClient);
        let mut c = peer.consumer(Direction::ToClient);
        p.push(b"over").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(c.pop(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"over");
        // The other direction is another ring.
        assert_eq!(peer.consumer(Direction::ToHost).available().unwrap(), 0);
    }
}
