//! Decodes arbitrary payloads as each type a peer sends whole (a client's message, a host's, and
//! a lone value, the one type decoded by hand): every payload must decode or be refused, never
//! panic, never recurse as deep as the input nests (the decoder's own stack), never allocate a
//! size the payload merely claims (libFuzzer's -malloc_limit_mb). What decodes must encode, and
//! encode again to the same bytes once decoded anew: the hand-written value codec and the
//! derived ones agree on every shape a peer can produce. The same payload is read as a compact
//! call and a compact reply (`napi_protocol::quick`): what decodes must encode to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use napi_protocol::frame::{decode, encode, HEADER_LEN};
use napi_protocol::quick::{decode_reply, QuickArg, QuickCall, QuickFrame};
use napi_protocol::{ClientMessage, Outcome, ServerMessage, Value, Wire};

/// The payload decoded as `T`; when it decodes, its encoding is a fixed point. Bytes, not
/// values, are compared: a NaN is not equal to itself, and a value's `PartialEq` is not what
/// is under test.
fn check<T: Wire>(data: &[u8]) {
    let Ok(msg) = decode::<T>(data) else { return };
    let first = encode(&msg).expect("a decoded message encodes");
    let again = decode::<T>(&first[HEADER_LEN..]).expect("an encoded message decodes");
    let second = encode(&again).expect("a decoded message encodes");
    assert_eq!(first, second, "encoding a decoded message is not stable");
}

/// The payload as a compact call and as a compact reply; what decodes is written back to the
/// very bytes it came from.
fn check_quick(data: &[u8]) {
    if let Ok(call) = QuickCall::decode(data) {
        let args: Vec<QuickArg<'_>> = call.args().collect();
        let mut frame = QuickFrame::call(call.func, call.this, &args).expect("a decoded call has a compact form");
        frame.request(call.id, call.chain);
        assert_eq!(frame.payload(), data, "a decoded compact call encodes to other bytes");
    }
    if let Ok(ServerMessage::Reply { id, chain, outcome: Outcome::Ok(v) }) = decode_reply(data) {
        let frame = QuickFrame::reply(id, chain, &v).expect("a decoded reply has a compact form");
        assert_eq!(frame.payload(), data, "a decoded compact reply encodes to other bytes");
    }
}

fuzz_target!(|data: &[u8]| {
    check::<ClientMessage>(data);
    check::<ServerMessage>(data);
    check::<Value>(data);
    check_quick(data);
});
