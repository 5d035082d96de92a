//! Framing and encoding: each frame is a little-endian `u32` payload length followed by the
//! payload, the encoding of one message ([`crate::codec`]).
//!
//! Decoding never allocates what a peer merely claims: the length is checked against a limit
//! before any buffer is sized, and bincode's own allocation limit bounds what the payload may ask
//! for while it is decoded.

use std::fmt;
use std::io;

use crate::codec::{config, Limits, Wire};

/// The largest payload accepted by default: 256 MiB.
pub const DEFAULT_MAX_FRAME: usize = 256 << 20;

/// Bytes in the length prefix.
pub const HEADER_LEN: usize = 4;

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
    if let Err(e) = bincode::encode_into_writer(msg, Appender(&mut *buf), config()) {
        buf.truncate(start);
        return Err(FrameError::Malformed(e.to_string()));
    }
    let payload = buf.len() - start - HEADER_LEN;
    let Ok(len) = u32::try_from(payload) else {
        buf.truncate(start);
        return Err(FrameError::TooLarge { len: payload, max: u32::MAX as usize });
    };
    buf[start..start + HEADER_LEN].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

/// bincode's writer appending to a frame's buffer in place. Its `std::io::Write` adapter went
/// through `write_all` and a `memcpy` call for each field, as much as the encoding itself.
struct Appender<'a>(&'a mut Vec<u8>);

impl bincode::enc::write::Writer for Appender<'_> {
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) -> Result<(), bincode::error::EncodeError> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

/// Decodes one payload (without its header). Trailing bytes are an error: a frame holds exactly
/// one message.
pub fn decode<T: Wire>(payload: &[u8]) -> Result<T, FrameError> {
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
    let limit = config().with_limit::<LIMIT>();
    let (msg, used) =
        bincode::decode_from_slice_with_context(payload, limit, Limits::default()).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if used != payload.len() {
        return Err(FrameError::Malformed(format!("{} trailing bytes after the message", payload.len() - used)));
    }
    Ok(msg)
}

/// Bytes most frames fit in (calls, replies and callbacks with a few small values).
pub const TYPICAL_FRAME: usize = 256;
