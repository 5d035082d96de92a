//! Feeds arbitrary bytes to the frame reader and decoder, as a hostile or broken peer would:
//! every input must end in a message or an error, never a panic, and never an allocation of a
//! size the input merely claims (libFuzzer's -rss_limit_mb and -malloc_limit_mb catch those).
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use napi_link::frames::{read_message, FrameReader};
use napi_protocol::frame::decode;
use napi_protocol::{ClientMessage, ServerMessage};

/// A small cap, so that claimed lengths above it are refused before anything is allocated.
const MAX: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    // As a stream of frames, both directions, until the first error.
    let mut stream = Cursor::new(data);
    while read_message::<ClientMessage>(&mut stream, MAX).is_ok() {}
    let mut stream = Cursor::new(data);
    while read_message::<ServerMessage>(&mut stream, MAX).is_ok() {}
    // Through the buffered reader both ends use (a small buffer, so frames straddle refills
    // and the larger ones take the path of their own).
    let mut frames = FrameReader::new(data, 64, MAX);
    while frames.read::<ClientMessage>().is_ok() {}
    let mut frames = FrameReader::new(data, 64, MAX);
    while frames.read::<ServerMessage>().is_ok() {}
    // As one payload.
    let _ = decode::<ClientMessage>(data);
    let _ = decode::<ServerMessage>(data);
});
