//! Framing and encoding: each frame is a little-endian `u32` payload length followed by the
//! payload, a bincode encoding of one message (written and read by [`crate::codec`] where it
//! covers the message: the same bytes, faster).
//!
//! Decoding never allocates what a peer merely claims: the length is checked against a limit
//! before any buffer is sized, and bincode's own allocation limit bounds what the payload may ask
//! for while it is decoded.

use std::fmt;
use std::io::{self, Read, Write};

use crate::codec::Wire;

mod buffered;
pub use buffered::{FrameReader, FrameWriter};

/// The largest payload accepted by default: 256 MiB.
pub const DEFAULT_MAX_FRAME: usize = 256 << 20;

/// Bytes in the length prefix.
pub const HEADER_LEN: usize = 4;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_little_endian().with_variable_int_encoding()
}

/// Why a frame could not be read or decoded.
#[derive(Debug)]
pub enum FrameError {
    /// The peer closed the stream cleanly between frames.
    Closed,
    /// The stream ended inside a frame.
    Truncated,
    /// The claimed payload length exceeds the limit.
    TooLarge {
        len: usize,
        max: usize,
    },
    /// The payload is not a valid message.
    Malformed(String),
    Io(io::Error),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Closed => write!(f, "connection closed"),
            FrameError::Truncated => write!(f, "connection closed in the middle of a frame"),
            FrameError::TooLarge { len, max } => {
                write!(f, "frame of {len} bytes exceeds the limit of {max} bytes")
            }
            FrameError::Malformed(why) => write!(f, "malformed frame: {why}"),
            FrameError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for FrameError {}

impl From<io::Error> for FrameError {
    fn from(e: io::Error) -> Self {
        FrameError::Io(e)
    }
}

/// Encodes `msg` as one frame (header included).
pub fn encode<T: Wire>(msg: &T) -> Result<Vec<u8>, FrameError> {
    // Room for a typical message from the start: growing the buffer step by step cost more
    // than the encoding of a small call.
    let mut buf = Vec::with_capacity(TYPICAL_FRAME);
    encode_into(msg, &mut buf)?;
    Ok(buf)
}

/// Appends `msg` to `buf` as one frame (header included); on failure `buf` is as it was.
pub fn encode_into<T: Wire>(msg: &T, buf: &mut Vec<u8>) -> Result<(), FrameError> {
    let start = buf.len();
    buf.extend_from_slice(&[0; HEADER_LEN]);
    if !msg.encode_fast(buf) {
        if let Err(e) = bincode::serde::encode_into_std_write(msg, &mut *buf, config()) {
            buf.truncate(start);
            return Err(FrameError::Malformed(e.to_string()));
        }
    }
    let payload = buf.len() - start - HEADER_LEN;
    let Ok(len) = u32::try_from(payload) else {
        buf.truncate(start);
        return Err(FrameError::TooLarge { len: payload, max: u32::MAX as usize });
    };
    buf[start..start + HEADER_LEN].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

/// Decodes one payload (without its header). Trailing bytes are an error: a frame holds exactly
/// one message.
pub fn decode<T: Wire>(payload: &[u8]) -> Result<T, FrameError> {
    if let Some(msg) = T::decode_fast(payload) {
        return Ok(msg);
    }
    // bincode allocates a collection's claimed size once the claim passes its limit, so a
    // 20-byte payload claiming a 200 MB byte string was allocated (found by the fuzz target).
    // A payload of n bytes holds at most n elements of at most ELEMENT bytes decoded, so the
    // limit follows the payload's size, in steps because bincode takes it as a constant.
    match payload.len() {
        0..=4096 => decode_within::<{ 4096 * ELEMENT }, T>(payload),
        4097..=65536 => decode_within::<{ 65536 * ELEMENT }, T>(payload),
        65537..=1048576 => decode_within::<{ 1048576 * ELEMENT }, T>(payload),
        _ => decode_within::<{ DEFAULT_MAX_FRAME * 2 }, T>(payload),
    }
}

/// The most memory one encoded byte may stand for once decoded (the largest element type).
const ELEMENT: usize = 128;

fn decode_within<const LIMIT: usize, T: Wire>(payload: &[u8]) -> Result<T, FrameError> {
    let limit = bincode::config::standard().with_little_endian().with_variable_int_encoding().with_limit::<LIMIT>();
    let (msg, used) = bincode::serde::decode_from_slice(payload, limit).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if used != payload.len() {
        return Err(FrameError::Malformed(format!("{} trailing bytes after the message", payload.len() - used)));
    }
    Ok(msg)
}

/// Writes one message as a frame.
pub fn write_message<T: Wire>(w: &mut impl Write, msg: &T) -> Result<(), FrameError> {
    let frame = encode(msg)?;
    w.write_all(&frame)?;
    Ok(())
}

/// Bytes most frames fit in (calls, replies and callbacks with a few small values).
const TYPICAL_FRAME: usize = 256;

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
