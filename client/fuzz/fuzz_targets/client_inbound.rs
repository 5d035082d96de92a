//! Plays a hostile host against the client's filing of what it receives: the input's first
//! bytes say which requests the client has in flight on which chains, the rest is a stream of
//! frames for the main stream and then for the event stream. Every frame must be decoded or
//! refused (a compact reply as the reply it stands for), and every decoded message filed,
//! dropped or refused as a violation: never a panic,
//! never an allocation of a size the input merely claims (libFuzzer's -malloc_limit_mb).
#![no_main]

use libfuzzer_sys::fuzz_target;
use napi_link::frames::FrameReader;
use napi_protocol::{ChainId, RequestId, ServerMessage};

#[allow(dead_code, reason = "the client uses parts of the module this target does not")]
#[path = "../../src/link/inbound.rs"]
// The client's own `cargo fmt --all` formats the module; from here rustfmt would look for its
// test module beside this file.
#[rustfmt::skip]
mod inbound;

/// The client's own frame cap is larger; a small one keeps each run quick and still covers the
/// refusal of a claimed length above it.
const MAX: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let (setup, frames) = data.split_at(data.len().min(16));
    let mut chains = inbound::Chains::default();
    // Pairs of bytes: a request id and its chain; a chain equal to the id is a top-level
    // request, any other a nested one.
    for pair in setup.chunks_exact(2) {
        let (id, chain) = (RequestId::from(pair[0]), ChainId::from(pair[1]));
        chains.begin(id, chain);
    }
    let mut main = FrameReader::new(frames, 64, MAX);
    let mut filed = 0usize;
    // As the client reads its main stream: compact replies among the messages.
    while let Ok(msg) = main.read_with(inbound::decode_main) {
        match chains.file(msg) {
            Ok(inbound::Filed::For(chain, incoming)) => {
                if chains.deliver(chain, incoming).is_err() {
                    break;
                }
                filed += 1;
            }
            Ok(_) => {}
            Err(_) => break,
        }
        // A thread takes its messages now and then, as waiting callers do.
        if filed.is_multiple_of(3) {
            for pair in setup.chunks_exact(2) {
                let _ = chains.take(ChainId::from(pair[1]));
            }
        }
    }
    let mut events = FrameReader::new(frames, 64, MAX);
    while let Ok(msg) = events.read::<ServerMessage>() {
        if inbound::event(msg).is_err() {
            break;
        }
    }
});
