//! What a hostile host's messages meet: each rule of the module, then a randomized run of
//! mutated frames through the decoder and the filing.

use napi_protocol::frame::{decode, encode};
use napi_protocol::{Failure, FailureKind, Outcome, PyRef, ServerMessage, Value, EVENT_CHAIN};

use super::*;

fn reply(id: RequestId, chain: ChainId) -> ServerMessage {
    ServerMessage::Reply { id, chain, outcome: Outcome::Ok(Value::Number(1.0)) }
}

fn settled(subscription: u64) -> ServerMessage {
    ServerMessage::Settled { subscription, outcome: Outcome::Ok(Value::Undefined) }
}

#[test]
fn a_reply_is_taken_only_for_a_request_sent_on_its_chain_and_only_once() {
    let mut chains = Chains::default();
    chains.begin(7, 1);
    assert!(chains.file(reply(8, 1)).is_err(), "never sent");
    assert!(chains.file(reply(7, 2)).is_err(), "another chain");
    assert!(matches!(chains.file(reply(7, 1)), Ok(Filed::For(1, Incoming::Reply { id: 7, .. }))));
    assert!(chains.file(reply(7, 1)).is_err(), "answered already");
}

#[test]
fn a_reply_to_an_outer_request_while_an_inner_one_waits_is_out_of_order() {
    let mut chains = Chains::default();
    chains.begin(1, 5);
    chains.begin(2, 5);
    assert!(chains.file(reply(1, 5)).unwrap_err().0.contains("out of order"));
}

#[test]
fn the_reply_of_a_request_whose_waiter_gave_up_is_dropped() {
    let mut chains = Chains::default();
    chains.begin(3, 4);
    chains.end(3, 4, true);
    assert!(matches!(chains.file(reply(3, 4)), Ok(Filed::Dropped)));
    assert_eq!(chains.outstanding(), 0);
}

#[test]
fn settlements_on_the_main_stream_only_ahead_of_their_reply() {
    let mut chains = Chains::default();
    assert!(chains.file(settled(9)).is_err());
    chains.begin(9, 1);
    assert!(matches!(chains.file(settled(9)), Ok(Filed::For(1, Incoming::Settled { subscription: 9, .. }))));
}

#[test]
fn a_mailbox_holds_at_most_its_limit() {
    let mut chains = Chains::default();
    chains.begin(1, 1);
    for _ in 0..MAILBOX_LIMIT {
        chains.deliver(1, Incoming::Settled { subscription: 1, outcome: Outcome::Ok(Value::Undefined) }).unwrap();
    }
    assert!(chains.deliver(1, Incoming::Settled { subscription: 1, outcome: Outcome::Ok(Value::Undefined) }).is_err());
}

#[test]
fn each_stream_carries_only_its_own_messages() {
    let mut chains = Chains::default();
    assert!(chains
        .file(ServerMessage::Uncaught(Box::new(napi_protocol::Thrown { value: Value::Null, error: None, python: None })))
        .is_err());
    assert!(chains.file(ServerMessage::Hello { version: 8, pid: 1, protections: vec![] }).is_err());
    assert!(event(reply(1, 1)).is_err());
    assert!(event(ServerMessage::Returned { blocks: vec![] }).is_err());
    let call = ServerMessage::CallPython { call: 1, chain: 3, func: PyRef(1), this: Value::Undefined, args: vec![] };
    assert!(event(call).is_err());
    let call = ServerMessage::CallPython { call: 1, chain: EVENT_CHAIN, func: PyRef(1), this: Value::Undefined, args: vec![] };
    assert!(matches!(event(call), Ok(Ok(Incoming::Call { .. }))));
}

#[test]
fn a_cycle_collections_question_goes_to_its_waiting_chain_or_is_answered_live() {
    let mut chains = Chains::default();
    chains.begin(4, 4);
    let trace = |chain| ServerMessage::Trace { chain, unreached: vec![(PyRef(2), 1)], let_go: vec![] };
    assert!(matches!(chains.file(trace(4)), Ok(Filed::For(4, Incoming::Trace { .. }))));
    assert!(matches!(chains.file(trace(9)), Ok(Filed::StrayTrace)), "nobody waits on chain 9");
    assert!(event(trace(EVENT_CHAIN)).is_err(), "never on the event stream");
}

#[test]
fn drop_notices_name_only_objects_exported() {
    assert!(check_drops(&[(PyRef(0), 1)], 5, 1).is_err());
    assert!(check_drops(&[(PyRef(6), 1)], 5, 1).is_err());
    assert!(check_drops(&[(PyRef(5), 1)], 5, 1).is_ok());
    assert!(check_drops(&[(PyRef(5), 1)], 5, 1 << 20).is_err());
    assert!(check_drops(&[(PyRef((4 << 32) | 5), 1)], 5, 1).is_ok(), "place 5, its fifth generation");
    assert!(check_drops(&[(PyRef((6 << 32) | 5), 1)], 5, 1).is_err(), "a generation past the ids given out");
    assert!(check_drops(&[(PyRef(1 << 32), 1)], 5, 1).is_err(), "place 0 is none");
}

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn mutated_frames_end_in_a_message_filed_or_refused_never_a_panic() {
    let seeds: Vec<Vec<u8>> = [
        reply(1, 1),
        reply(2, 1),
        settled(1),
        ServerMessage::Reply { id: 1, chain: 1, outcome: Outcome::Failed(Failure { kind: FailureKind::BadRequest, message: "x".into() }) },
        ServerMessage::Segment { id: 1, size: 4096 },
        ServerMessage::Returned { blocks: vec![] },
        ServerMessage::DropPython { objects: vec![(PyRef(1), 1)] },
        ServerMessage::CallPython { call: 1, chain: 1, func: PyRef(1), this: Value::Null, args: vec![Value::String("s".into())] },
        ServerMessage::Uncaught(Box::new(napi_protocol::Thrown { value: Value::Bool(true), error: None, python: None })),
    ]
    .iter()
    .map(|m| encode(m).unwrap()[napi_protocol::frame::HEADER_LEN..].to_vec())
    .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut filed, mut refused) = (0, 0);
    for _ in 0..20_000 {
        let mut bytes = seeds[rng.below(seeds.len())].clone();
        for _ in 0..=rng.below(4) {
            match rng.below(3) {
                0 if !bytes.is_empty() => {
                    let at = rng.below(bytes.len());
                    bytes[at] = rng.next() as u8;
                }
                1 => bytes.insert(rng.below(bytes.len() + 1), rng.next() as u8),
                _ if !bytes.is_empty() => bytes.truncate(rng.below(bytes.len())),
                _ => {}
            }
        }
        let Ok(msg) = decode::<ServerMessage>(&bytes) else {
            refused += 1;
            continue;
        };
        let mut chains = Chains::default();
        chains.begin(1, 1);
        let _ = event(msg.clone());
        match chains.file(msg) {
            Ok(Filed::For(chain, incoming)) => {
                chains.deliver(chain, incoming).unwrap();
                filed += 1;
            }
            Ok(_) => filed += 1,
            Err(_) => refused += 1,
        }
        assert!(chains.len() <= 2);
    }
    // Both paths were exercised.
    assert!(filed > 100 && refused > 100, "filed {filed}, refused {refused}");
}
