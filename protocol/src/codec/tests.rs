//! The codec against bincode, the reference: the same bytes out, the same messages in, and
//! bincode's verdict for anything else.

use super::*;
use crate::tests::{sample_client_messages, sample_server_messages, sample_values};

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_little_endian().with_variable_int_encoding()
}

/// bincode's encoding of `m`, as the frame encoder wrote every message before this codec.
fn reference<T: Serialize>(m: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(m, config()).unwrap()
}

/// bincode's reading of `payload`: the message, if it holds exactly one (under the allocation
/// limit the frame decoder sets for small payloads).
fn reference_decode<T: DeserializeOwned>(payload: &[u8]) -> Option<T> {
    assert!(payload.len() <= 4096);
    match bincode::serde::decode_from_slice::<T, _>(
        payload,
        bincode::config::standard().with_little_endian().with_variable_int_encoding().with_limit::<{ 4096 * 128 }>(),
    ) {
        Ok((m, used)) if used == payload.len() => Some(m),
        _ => None,
    }
}

fn fast<T: Wire>(m: &T) -> Option<Vec<u8>> {
    let mut out = vec![0xAA];
    let covered = m.encode_fast(&mut out);
    assert_eq!(out[0], 0xAA, "what was in the buffer stays");
    if covered {
        Some(out[1..].to_vec())
    } else {
        assert_eq!(out.len(), 1, "a message the codec does not cover leaves nothing behind");
        None
    }
}

/// Checks `m` both ways: the codec writes bincode's bytes and reads them back as `m` (compared
/// as bytes, so NaN compares equal to itself). `covered`: whether the codec must handle it.
fn check<T: Wire + std::fmt::Debug>(m: &T, covered: bool) {
    let want = reference(m);
    match fast(m) {
        Some(bytes) => assert_eq!(bytes, want, "encoding of {m:?}"),
        None => assert!(!covered, "the codec should cover {m:?}"),
    }
    match T::decode_fast(&want) {
        Some(back) => assert_eq!(reference(&back), want, "decoding of {m:?}"),
        None => assert!(!covered, "the codec should read {m:?}"),
    }
}

#[test]
fn every_sample_message_is_written_and_read_as_bincode_does() {
    for m in sample_server_messages() {
        check(&m, true);
    }
    for m in sample_client_messages() {
        let covered = match &m {
            ClientMessage::Request(r) => {
                matches!(r.op, Op::Call { .. } | Op::Construct { .. } | Op::Get { .. } | Op::Set { .. } | Op::Ping)
            }
            _ => true,
        };
        check(&m, covered);
    }
}

#[test]
fn the_messages_of_a_call_take_the_fast_path() {
    let js = |id| Value::Js(JsRef { id: ObjectId(id), kind: RefKind::Function, class_proto: None, label: String::new() });
    let mut calls = vec![
        ClientMessage::Request(Request {
            id: 1,
            chain: 1,
            releases: vec![],
            forgotten: vec![],
            op: Op::Call { func: js(3), this: Value::Undefined, args: vec![Value::Number(1.0), Value::Number(2.0)] },
        }),
        ClientMessage::Request(Request {
            id: 2,
            chain: 1,
            releases: vec![ObjectId(9)],
            forgotten: vec![PyRef(4)],
            op: Op::Get { target: js(3), key: Value::String("x".into()) },
        }),
        ClientMessage::CallbackResult { call: 5, result: Ok(Value::Py { id: PyRef(2), callable: true }) },
    ];
    calls.extend(sample_values().into_iter().map(|v| ClientMessage::CallbackResult { call: 7, result: Ok(v) }));
    for m in &calls {
        check(m, true);
    }
    let replies = sample_values().into_iter().map(|v| ServerMessage::Reply { id: 1, chain: 1, outcome: Outcome::Ok(v) });
    let callbacks = [ServerMessage::CallPython { call: 3, chain: 1, func: PyRef(2), this: js(1), args: sample_values() }];
    for m in replies.chain(callbacks) {
        check(&m, true);
    }
}

/// Each integer at the edges of bincode's varint sizes, in every integer field it can be in.
#[test]
fn integers_at_every_varint_size_match() {
    let edges = [0u64, 1, 250, 251, 252, 253, 255, 256, 65535, 65536, u32::MAX as u64, u32::MAX as u64 + 1, u64::MAX];
    for &n in &edges {
        let m = ServerMessage::Reply {
            id: n,
            chain: n,
            outcome: Outcome::Ok(Value::Js(JsRef {
                id: ObjectId(n),
                kind: RefKind::Object,
                class_proto: Some(ObjectId(n)),
                label: String::new(),
            })),
        };
        check(&m, true);
        check(&ServerMessage::DropPython { objects: vec![(PyRef(n), n)] }, true);
        check(&ServerMessage::Returned { blocks: vec![Region { owner: SegmentOwner::Host, segment: n as u32, offset: n, len: n }] }, true);
        check(&ServerMessage::Hello { version: n as u32, pid: (n >> 1) as u32, protections: vec![] }, true);
        check(&ClientMessage::Segment { id: n as u32, size: n }, true);
        check(
            &ServerMessage::Reply {
                id: 0,
                chain: 0,
                outcome: Outcome::Ok(Value::BigInt(BigIntValue { negative: false, words: vec![n, n] })),
            },
            true,
        );
    }
}

#[test]
fn collections_and_strings_of_every_length_size_match() {
    for n in [0usize, 1, 250, 251, 300, 70_000] {
        check(&ServerMessage::Reply { id: 1, chain: 1, outcome: Outcome::Ok(Value::String("é".repeat(n))) }, true);
        check(&ServerMessage::Reply { id: 1, chain: 1, outcome: Outcome::Ok(Value::Array(vec![Value::Null; n])) }, true);
        check(&ClientMessage::CallbackResult { call: 1, result: Ok(Value::Bytes { kind: BufferKind::Uint8, data: vec![7; n] }) }, true);
    }
}

#[test]
fn every_kind_has_its_declaration_index() {
    for (i, k) in BufferKind::ALL.iter().enumerate() {
        assert_eq!(reference(k), reference(&(i as u32)), "{k:?}");
    }
    for (i, k) in RefKind::ALL.iter().enumerate() {
        assert_eq!(reference(k), reference(&(i as u32)), "{k:?}");
    }
    for (i, k) in FailureKind::ALL.iter().enumerate() {
        assert_eq!(reference(k), reference(&(i as u32)), "{k:?}");
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Integers that land on every varint size.
    fn int(&mut self) -> u64 {
        match self.below(4) {
            0 => self.below(251),
            1 => self.below(1 << 16),
            2 => self.below(1 << 32),
            _ => self.next(),
        }
    }

    fn string(&mut self) -> String {
        let n = self.below(6) as usize;
        (0..n).map(|_| ['a', 'é', '€', '𝄞', '\0'][self.below(5) as usize]).collect()
    }

    fn region(&mut self) -> Region {
        let owner = if self.below(2) == 0 { SegmentOwner::Host } else { SegmentOwner::Client };
        Region { owner, segment: self.int() as u32, offset: self.int(), len: self.int() }
    }

    fn buffer_kind(&mut self) -> BufferKind {
        BufferKind::ALL[self.below(BufferKind::ALL.len() as u64) as usize]
    }

    fn value(&mut self, depth: u32) -> Value {
        let leaf = depth >= 3;
        match self.below(if leaf { 6 } else { 15 }) {
            0 => Value::Undefined,
            1 => Value::Bool(self.below(2) == 1),
            2 => Value::Number(f64::from_bits(self.next())),
            3 => Value::String(self.string()),
            4 => Value::Js(JsRef {
                id: ObjectId(self.int()),
                kind: RefKind::ALL[self.below(RefKind::ALL.len() as u64) as usize],
                class_proto: (self.below(2) == 0).then(|| ObjectId(self.int())),
                label: self.string(),
            }),
            5 => Value::Py { id: PyRef(self.int()), callable: self.below(2) == 0 },
            6 => Value::Array((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
            7 => Value::Object((0..self.below(4)).map(|_| (self.string(), self.value(depth + 1))).collect()),
            8 => Value::BigInt(BigIntValue { negative: self.below(2) == 0, words: (0..self.below(3)).map(|_| self.int()).collect() }),
            9 => Value::Date(f64::from_bits(self.next())),
            10 => Value::Bytes { kind: self.buffer_kind(), data: (0..self.below(5)).map(|_| self.next() as u8).collect() },
            11 => Value::Shared { object: ObjectId(self.int()), kind: self.buffer_kind(), region: self.region() },
            12 => Value::Upload { kind: self.buffer_kind(), region: self.region() },
            13 => Value::InPlace { kind: self.buffer_kind(), region: self.region() },
            _ => Value::Null,
        }
    }

    fn values(&mut self) -> Vec<Value> {
        (0..self.below(4)).map(|_| self.value(0)).collect()
    }

    fn thrown(&mut self) -> Thrown {
        Thrown {
            value: self.value(0),
            error: (self.below(2) == 0).then(|| ErrorInfo {
                name: self.string(),
                message: self.string(),
                code: (self.below(2) == 0).then(|| self.value(1)),
                props: (0..self.below(3)).map(|_| (self.string(), self.value(1))).collect(),
            }),
            python: (self.below(2) == 0).then(|| PyRef(self.int())),
        }
    }

    fn outcome(&mut self) -> Outcome {
        match self.below(3) {
            0 => Outcome::Ok(self.value(0)),
            1 => Outcome::Thrown(Box::new(self.thrown())),
            _ => Outcome::Failed(Failure { kind: FailureKind::ALL[self.below(3) as usize], message: self.string() }),
        }
    }

    fn server(&mut self) -> ServerMessage {
        match self.below(5) {
            0 => ServerMessage::Reply { id: self.int(), chain: self.int(), outcome: self.outcome() },
            1 => ServerMessage::CallPython {
                call: self.int(),
                chain: self.int(),
                func: PyRef(self.int()),
                this: self.value(0),
                args: self.values(),
            },
            2 => ServerMessage::Settled { subscription: self.int(), outcome: self.outcome() },
            3 => ServerMessage::Uncaught(Box::new(self.thrown())),
            _ => ServerMessage::DropPython { objects: (0..self.below(3)).map(|_| (PyRef(self.int()), self.int())).collect() },
        }
    }

    fn client(&mut self) -> ClientMessage {
        let op = match self.below(5) {
            0 => Op::Call { func: self.value(0), this: self.value(0), args: self.values() },
            1 => Op::Construct { ctor: self.value(0), args: self.values() },
            2 => Op::Get { target: self.value(0), key: self.value(0) },
            3 => Op::Set { target: self.value(0), key: self.value(0), value: self.value(0) },
            _ => Op::Ping,
        };
        match self.below(3) {
            0 => ClientMessage::CallbackResult {
                call: self.int(),
                result: if self.below(2) == 0 {
                    Ok(self.value(0))
                } else {
                    Err(PyException { exception: PyRef(self.int()), type_name: self.string(), message: self.string() })
                },
            },
            _ => ClientMessage::Request(Request {
                id: self.int(),
                chain: self.int(),
                releases: (0..self.below(3)).map(|_| ObjectId(self.int())).collect(),
                forgotten: (0..self.below(3)).map(|_| PyRef(self.int())).collect(),
                op,
            }),
        }
    }
}

#[test]
fn random_messages_match_bincode() {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    for _ in 0..5000 {
        check(&g.server(), true);
        check(&g.client(), true);
    }
}

/// Damaged payloads: whatever the codec reads, bincode reads the same; whatever bincode
/// refuses, the codec refuses too (and leaves to bincode, which reports it).
fn agrees_on_damage<T: Wire + std::fmt::Debug>(payload: &[u8]) {
    let ours = T::decode_fast(payload);
    let theirs = reference_decode::<T>(payload);
    match (&ours, &theirs) {
        (Some(a), Some(b)) => assert_eq!(reference(a), reference(b), "{payload:?}"),
        (Some(a), None) => panic!("the codec read {a:?} from {payload:?}, which bincode refuses"),
        (None, _) => {}
    }
}

#[test]
fn damaged_payloads_get_bincodes_verdict() {
    let mut g = Gen(0x2545_F491_4F6C_DD1D);
    let mut read_after_damage = 0;
    for _ in 0..3000 {
        let server = reference(&g.server());
        let client = reference(&g.client());
        for good in [server, client] {
            for _ in 0..8 {
                let mut bad = good.clone();
                match g.below(4) {
                    0 => {
                        let at = g.below(bad.len() as u64) as usize;
                        bad[at] = g.next() as u8;
                    }
                    1 => bad.truncate(g.below(bad.len() as u64) as usize),
                    2 => bad.push(g.next() as u8),
                    _ => {
                        let at = g.below(bad.len() as u64) as usize;
                        bad.insert(at, [250, 251, 252, 253, 254, 255][g.below(6) as usize]);
                    }
                }
                agrees_on_damage::<ServerMessage>(&bad);
                agrees_on_damage::<ClientMessage>(&bad);
                read_after_damage += usize::from(ServerMessage::decode_fast(&bad).is_some() || ClientMessage::decode_fast(&bad).is_some());
            }
        }
    }
    assert!(read_after_damage > 1000, "the damage left some messages readable: {read_after_damage}");
}

#[test]
fn non_canonical_integers_and_deep_nesting_are_left_to_bincode() {
    // Reply { id: 5 } with the id written in three bytes instead of one.
    let long = [tag::REPLY as u8, U16_MARK, 5, 0, 1, tag::OK as u8, 0];
    assert!(ServerMessage::decode_fast(&long).is_none());
    agrees_on_damage::<ServerMessage>(&long);

    let mut deep = Value::Null;
    for _ in 0..MAX_DEPTH + 5 {
        deep = Value::Array(vec![deep]);
    }
    let m = ServerMessage::Reply { id: 1, chain: 1, outcome: Outcome::Ok(deep) };
    let bytes = reference(&m);
    assert!(ServerMessage::decode_fast(&bytes).is_none());
    assert_eq!(crate::frame::decode::<ServerMessage>(&bytes).unwrap(), m, "bincode reads it");
    assert_eq!(fast(&m).unwrap(), bytes, "writing has no depth limit");
}
