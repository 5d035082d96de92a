//! Frames read from and written to byte streams: one at a time (`read_message`,
//! `write_message`), or buffered: a reader that decodes each frame where it lies in its buffer, and a
//! writer that encodes frames straight into the buffer it sends.
//!
//! `BufReader` and `BufWriter` around `read_message` and `write_message` cost a call two
//! copies and an allocation on each side: the reader copied each frame out of its buffer
//! (header, then body) before decoding it, and the writer encoded into a fresh `Vec` before
//! copying that into its buffer.

use std::io::{self, Read, Write};

use napi_protocol::frame::{decode, encode, encode_into, FrameError, HEADER_LEN, TYPICAL_FRAME};
use napi_protocol::Wire;

use crate::streams::{RingIn, Room, Take};

/// Writes one message as a frame.
pub fn write_message<T: Wire>(w: &mut impl Write, msg: &T) -> Result<(), FrameError> {
    let frame = encode(msg)?;
    w.write_all(&frame)?;
    Ok(())
}

/// Reads one frame's payload, refusing lengths above `max` before allocating.
pub fn read_payload(r: &mut impl Read, max: usize) -> Result<Vec<u8>, FrameError> {
    let len = read_header(r, max)?;
    let mut payload = vec![0u8; len];
    read_body(r, &mut payload)?;
    Ok(payload)
}

/// Reads a frame's header: the payload's length, refused above `max`.
fn read_header(r: &mut impl Read, max: usize) -> Result<usize, FrameError> {
    let mut header = [0u8; HEADER_LEN];
    let mut got = 0;
    while got < HEADER_LEN {
        match r.read(&mut header[got..]) {
            Ok(0) if got == 0 => return Err(FrameError::Closed),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = u32::from_le_bytes(header) as usize;
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    Ok(len)
}

fn read_body(r: &mut impl Read, payload: &mut [u8]) -> Result<(), FrameError> {
    r.read_exact(payload).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => FrameError::Truncated,
        _ => FrameError::Io(e),
    })
}

/// Reads and decodes one message. A typical one is read into the stack, not the heap: the
/// allocation cost about as much as decoding it.
pub fn read_message<T: Wire>(r: &mut impl Read, max: usize) -> Result<T, FrameError> {
    let len = read_header(r, max)?;
    if len <= TYPICAL_FRAME {
        let mut small = [0u8; TYPICAL_FRAME];
        read_body(r, &mut small[..len])?;
        return decode(&small[..len]);
    }
    let mut payload = vec![0u8; len];
    read_body(r, &mut payload)?;
    decode(&payload)
}

/// A buffer kept after a large message shrinks back to this.
const KEPT: usize = 64 << 10;

/// Reads frames from `inner`, refusing payloads above `max` before reading them.
pub struct FrameReader<R> {
    inner: R,
    buf: Box<[u8]>,
    /// The buffered bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    max: usize,
}

impl<R: Read> FrameReader<R> {
    /// A reader with a buffer of `capacity` bytes; larger frames are read into a buffer of their
    /// own.
    pub fn new(inner: R, capacity: usize, max: usize) -> FrameReader<R> {
        FrameReader { inner, buf: vec![0; capacity.max(HEADER_LEN)].into_boxed_slice(), start: 0, end: 0, max }
    }

    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// What was read from `inner` and not yet taken.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Whether a whole frame is buffered: reading it cannot block.
    pub fn has_frame(&self) -> bool {
        let b = self.buffered();
        b.len() >= HEADER_LEN && b.len() - HEADER_LEN >= Self::claimed(b) as usize
    }

    fn claimed(b: &[u8]) -> u32 {
        u32::from_le_bytes(b[..HEADER_LEN].try_into().expect("a header's bytes"))
    }

    /// Reads and decodes the next message. Its end before a frame begins is
    /// [`FrameError::Closed`]; inside one, [`FrameError::Truncated`].
    pub fn read<T: Wire>(&mut self) -> Result<T, FrameError> {
        self.read_with(decode)
    }

    /// Reads the next frame and hands its payload, where it lies, to `decode` (a reader that
    /// tells compact frames from messages, `napi_protocol::quick`).
    #[inline]
    pub fn read_with<T>(&mut self, decode: impl FnOnce(&[u8]) -> Result<T, FrameError>) -> Result<T, FrameError> {
        self.fill(HEADER_LEN)?;
        let len = Self::claimed(self.buffered()) as usize;
        if len > self.max {
            return Err(FrameError::TooLarge { len, max: self.max });
        }
        let whole = HEADER_LEN + len;
        if whole > self.buf.len() {
            return self.read_large(len, decode);
        }
        self.fill(whole)?;
        let at = self.start + HEADER_LEN;
        let msg = decode(&self.buf[at..at + len]);
        self.take(whole);
        msg
    }

    /// A frame larger than the buffer, in a buffer of its own (the header is buffered).
    fn read_large<T>(&mut self, len: usize, decode: impl FnOnce(&[u8]) -> Result<T, FrameError>) -> Result<T, FrameError> {
        self.take(HEADER_LEN);
        let mut payload = vec![0u8; len];
        let have = self.buffered().len().min(len);
        payload[..have].copy_from_slice(&self.buffered()[..have]);
        self.take(have);
        read_body(&mut self.inner, &mut payload[have..])?;
        decode(&payload)
    }

    fn take(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Reads until `need` bytes are buffered (`need` fits the buffer).
    fn fill(&mut self, need: usize) -> Result<(), FrameError> {
        while self.end - self.start < need {
            if self.buf.len() - self.start < need {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) if self.end == self.start => return Err(FrameError::Closed),
                Ok(0) => return Err(FrameError::Truncated),
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

impl FrameReader<RingIn> {
    /// The next frame's payload copied from the ring straight into `room`, never into the
    /// buffer, when nothing is buffered, the whole frame is ready and its payload fits `room`
    /// ([`Take::Frame`]). Otherwise nothing is taken (`Take::Otherwise` when bytes are buffered
    /// or ready): `fill_ready` and `read_with` read it as usual.
    ///
    /// An I/O error, not a `FrameError`: the look for a reply matches on what this answers
    /// every time, and the larger type cost it about 15 instructions a look.
    #[inline]
    pub fn take_ready<R: Room + ?Sized>(&mut self, room: &mut R) -> io::Result<Take> {
        if self.start != self.end {
            return Ok(Take::Otherwise);
        }
        self.inner.take_frame(room)
    }

    /// Takes in the bytes the ring has ready, never waiting for more, as far as the buffer holds;
    /// answers whether a whole frame is buffered, which `read` then decodes without waiting (a
    /// caller that must not wait, even on a peer pausing inside a frame, reads only then).
    pub fn fill_ready(&mut self) -> Result<bool, FrameError> {
        while !self.has_frame() && self.inner.has_bytes()? {
            if self.end == self.buf.len() {
                if self.start == 0 {
                    // A frame larger than the buffer: `read` takes it in a buffer of its own.
                    return Ok(false);
                }
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(self.has_frame())
    }
}

/// Writes frames to `inner`: queued ones go with the next flush, in one write.
pub struct FrameWriter<W> {
    inner: W,
    buf: Vec<u8>,
}

impl<W: Write> FrameWriter<W> {
    pub fn new(inner: W) -> FrameWriter<W> {
        FrameWriter { inner, buf: Vec::with_capacity(4096) }
    }

    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Adds `msg` to what the next flush writes.
    pub fn queue<T: Wire>(&mut self, msg: &T) -> Result<(), FrameError> {
        encode_into(msg, &mut self.buf)
    }

    /// Writes what was queued. What a failed write did not take is dropped: the stream is
    /// broken, and its reader reports how.
    pub fn flush(&mut self) -> io::Result<()> {
        let written = if self.buf.is_empty() { Ok(()) } else { self.inner.write_all(&self.buf) };
        self.buf.clear();
        if self.buf.capacity() > KEPT {
            self.buf.shrink_to(KEPT);
        }
        written?;
        self.inner.flush()
    }

    /// Queues `msg` and flushes.
    pub fn send<T: Wire>(&mut self, msg: &T) -> Result<(), FrameError> {
        self.queue(msg)?;
        Ok(self.flush()?)
    }

    /// Sends a frame encoded already (header included), after what is queued.
    pub fn send_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.buf.extend_from_slice(frame);
            return self.flush();
        }
        // Nothing queued: written where it lies, not copied into the buffer first, and in one
        // `write` when it fits, as nearly every frame does (a call of `write_all` cost a
        // compact call about 17 instructions).
        let n = self.inner.write(frame)?;
        if n < frame.len() {
            self.inner.write_all(&frame[n..])?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use napi_protocol::{Outcome, ServerMessage, Value};
    use std::io::Cursor;

    /// A stream that hands out at most `step` bytes per read, as a socket may.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn reply(id: u64, text: usize) -> ServerMessage {
        ServerMessage::Reply { id, chain: 1, outcome: Outcome::Ok(Value::String("x".repeat(text))) }
    }

    #[test]
    fn frames_of_every_size_come_back_in_order_across_refills() {
        let msgs: Vec<ServerMessage> = (0..200).map(|i| reply(i, (i as usize * 37) % 300 + if i % 50 == 0 { 5000 } else { 0 })).collect();
        let mut w = FrameWriter::new(Vec::new());
        for (i, m) in msgs.iter().enumerate() {
            w.queue(m).unwrap();
            if i % 3 == 0 {
                w.flush().unwrap();
            }
        }
        w.flush().unwrap();
        let bytes = w.get_ref().clone();
        for step in [1, 7, 64, 1 << 20] {
            // A 256-byte buffer: most frames fit, some straddle a refill, a few are larger.
            let mut r = FrameReader::new(Trickle { data: &bytes, step }, 256, 1 << 20);
            for m in &msgs {
                assert_eq!(&r.read::<ServerMessage>().unwrap(), m, "step {step}");
            }
            assert!(matches!(r.read::<ServerMessage>(), Err(FrameError::Closed)));
        }
    }

    #[test]
    fn a_whole_frame_is_seen_before_it_is_read() {
        let mut w = FrameWriter::new(Vec::new());
        w.send(&reply(1, 3)).unwrap();
        let bytes = w.get_ref().clone();
        let mut r = FrameReader::new(Trickle { data: &bytes, step: bytes.len() - 1 }, 256, 1024);
        assert!(!r.has_frame());
        r.fill(1).unwrap();
        assert!(!r.has_frame(), "one byte short");
        r.fill(bytes.len()).unwrap();
        assert!(r.has_frame());
        assert_eq!(r.read::<ServerMessage>().unwrap(), reply(1, 3));
        assert!(r.buffered().is_empty());
    }

    #[test]
    fn a_stream_ending_inside_a_frame_is_truncated_and_a_claim_above_the_limit_refused() {
        let mut w = FrameWriter::new(Vec::new());
        w.send(&reply(1, 40)).unwrap();
        let bytes = w.get_ref().clone();
        let mut r = FrameReader::new(Trickle { data: &bytes[..bytes.len() - 1], step: 5 }, 256, 1024);
        assert!(matches!(r.read::<ServerMessage>(), Err(FrameError::Truncated)));
        let mut r = FrameReader::new(Trickle { data: &bytes[..2], step: 5 }, 256, 1024);
        assert!(matches!(r.read::<ServerMessage>(), Err(FrameError::Truncated)));
        let mut r = FrameReader::new(Trickle { data: &bytes, step: 5 }, 256, 10);
        assert!(matches!(r.read::<ServerMessage>(), Err(FrameError::TooLarge { max: 10, .. })));
        // Beyond the buffer and the stream: truncated, never an allocation of the claim
        // before the limit check.
        let mut big = (1u32 << 19).to_le_bytes().to_vec();
        big.extend_from_slice(&[1, 2, 3]);
        let mut r = FrameReader::new(Trickle { data: &big, step: 64 }, 256, 1 << 20);
        assert!(matches!(r.read::<ServerMessage>(), Err(FrameError::Truncated)));
    }

    #[test]
    fn the_writer_lets_go_of_the_room_a_large_message_took() {
        let mut w = FrameWriter::new(Vec::new());
        w.send(&reply(1, 1 << 20)).unwrap();
        assert!(w.buf.capacity() <= KEPT);
        let mut r = FrameReader::new(&w.get_ref()[..], 256, 2 << 20);
        assert_eq!(r.read::<ServerMessage>().unwrap(), reply(1, 1 << 20));
    }

    #[test]
    fn oversized_frame_is_refused_before_allocation() {
        let header = (u32::MAX).to_le_bytes();
        let err = read_payload(&mut Cursor::new(header.to_vec()), 1024).unwrap_err();
        assert!(matches!(err, FrameError::TooLarge { len, max: 1024 } if len == u32::MAX as usize));
    }

    #[test]
    fn truncated_and_closed_streams_are_distinguished() {
        assert!(matches!(read_payload(&mut Cursor::new(vec![]), 64), Err(FrameError::Closed)));
        assert!(matches!(read_payload(&mut Cursor::new(vec![5, 0]), 64), Err(FrameError::Truncated)));
        assert!(matches!(read_payload(&mut Cursor::new(vec![5, 0, 0, 0, 1]), 64), Err(FrameError::Truncated)));
    }
}
