use crate::frame::{decode, encode, FrameError};
use crate::quick::*;
use crate::*;

pub(crate) fn sample_values() -> Vec<Value> {
    vec![
        Value::Undefined,
        Value::Null,
        Value::Bool(true),
        Value::Number(-0.0),
        Value::Number(f64::INFINITY),
        Value::String("héllo".into()),
        Value::BigInt(BigIntValue { negative: true, words: vec![1, u64::MAX] }),
        Value::Array(vec![Value::Number(1.0), Value::Null]),
        Value::Object(vec![("a".into(), Value::Bool(false))]),
        Value::Date(1.5e12),
        Value::Bytes { kind: BufferKind::Float64, data: vec![0; 8] },
        Value::Js(JsRef { id: ObjectId(7), kind: RefKind::Class, class_proto: Some(ObjectId(9)), label: "Counter".into() }),
        Value::Py { id: PyRef(3), callable: true },
        Value::Shared { object: ObjectId(8), kind: BufferKind::Buffer, region: region(SegmentOwner::Host) },
        Value::Upload { kind: BufferKind::Uint16, region: region(SegmentOwner::Client) },
        Value::InPlace { kind: BufferKind::DataView, region: region(SegmentOwner::Host) },
        Value::Lent {
            kind: BufferKind::Buffer,
            address: 0x7f00_0000_1000,
            region: Region { segment: LENT_SEGMENT, ..region(SegmentOwner::Client) },
        },
    ]
}

pub(crate) fn region(owner: SegmentOwner) -> Region {
    Region { owner, segment: 2, offset: 4096, len: 1 << 40 }
}

pub(crate) fn sample_ops() -> Vec<Op> {
    let v = || Value::Number(1.0);
    vec![
        Op::Load { path: "/x.node".into() },
        Op::Call { func: v(), this: v(), args: sample_values() },
        Op::Construct { ctor: v(), args: vec![] },
        Op::Get { target: v(), key: v() },
        Op::Set { target: v(), key: v(), value: v() },
        Op::Has { target: v(), key: v() },
        Op::Delete { target: v(), key: v() },
        Op::OwnKeys { target: v() },
        Op::OwnPropertyDescriptors { target: v() },
        Op::DefineProperty {
            target: v(),
            key: v(),
            descriptor: Box::new(Descriptor { value: Some(v()), writable: Some(true), ..Default::default() }),
        },
        Op::GetPrototype { target: v() },
        Op::SetPrototype { target: v(), proto: v() },
        Op::TypeOf { value: v() },
        Op::InstanceOf { value: v(), ctor: v() },
        Op::StrictEquals { a: v(), b: v() },
        Op::NewObject { props: vec![(v(), v())] },
        Op::NewArray { items: vec![v()] },
        Op::NewSymbol { description: Some("d".into()) },
        Op::SymbolFor { key: "k".into() },
        Op::DescribeClass { proto: ObjectId(1) },
        Op::Ping,
        Op::Gc,
        Op::GlobalThis,
        Op::Subscribe { promise: v(), subscription: 7 },
        Op::NewDeferred,
        Op::SettleDeferred { deferred: 3, fulfilled: false, value: v() },
        Op::NewBuffer { kind: BufferKind::Float32, len: 64 },
        Op::CollectCycles,
        Op::AdoptDescriptor { id: 7 },
        Op::CloseDescriptor { fd: 300 },
    ]
}

pub(crate) fn sample_server_messages() -> Vec<ServerMessage> {
    let thrown = Thrown {
        value: Value::Null,
        error: Some(ErrorInfo {
            name: "TypeError".into(),
            message: "m".into(),
            code: Some(Value::String("E".into())),
            props: vec![("x".into(), Value::Number(2.0))],
        }),
        python: Some(PyRef(4)),
    };
    vec![
        ServerMessage::Hello { version: PROTOCOL_VERSION, pid: 42, protections: vec!["seccomp".into()] },
        ServerMessage::Reply { id: 1, chain: 1, outcome: Outcome::Ok(Value::Undefined) },
        ServerMessage::Reply { id: 2, chain: 1, outcome: Outcome::Thrown(Box::new(thrown)) },
        ServerMessage::Reply { id: 3, chain: 3, outcome: Outcome::Failed(Failure { kind: FailureKind::Load, message: "no".into() }) },
        ServerMessage::DropPython { objects: vec![(PyRef(3), 2)] },
        ServerMessage::Settled { subscription: 7, outcome: Outcome::Ok(Value::Null) },
        ServerMessage::Uncaught(Box::new(Thrown { value: Value::Null, error: None, python: None })),
        ServerMessage::CallPython { call: 9, chain: 1, func: PyRef(2), this: Value::Undefined, args: vec![Value::Number(3.0)] },
        ServerMessage::Segment { id: 1, size: 32 << 20 },
        ServerMessage::SegmentRetired { id: 1 },
        ServerMessage::Returned { blocks: vec![region(SegmentOwner::Client)] },
        ServerMessage::Trace { chain: 4, unreached: vec![(PyRef(3), 1)], let_go: vec![ObjectId(8)] },
    ]
}

pub(crate) fn sample_client_messages() -> Vec<ClientMessage> {
    let mut msgs: Vec<ClientMessage> = sample_ops()
        .into_iter()
        .enumerate()
        .map(|(i, op)| {
            ClientMessage::Request(Request { id: i as u64, chain: 1, releases: vec![ObjectId(5)], forgotten: vec![PyRef(2)], op })
        })
        .collect();
    msgs.push(ClientMessage::CallbackResult { call: 1, result: Ok(Value::Null) });
    msgs.push(ClientMessage::Segment { id: 0, size: 4096 });
    msgs.push(ClientMessage::SegmentRetired { id: 0 });
    msgs.push(ClientMessage::Descriptor { id: 7 });
    msgs.push(ClientMessage::Traced(TraceAnswer::Live));
    msgs.push(ClientMessage::Traced(TraceAnswer::Garbage(vec![ObjectId(8)])));
    msgs.push(ClientMessage::CallbackResult {
        call: 2,
        result: Err(PyException { exception: PyRef(1), type_name: "KeyError".into(), message: "k".into() }),
    });
    msgs
}

#[test]
fn every_client_message_round_trips() {
    let msgs = sample_client_messages();
    for m in msgs {
        let frame = encode(&m).unwrap();
        let back: ClientMessage = decode(&frame[4..]).unwrap();
        assert_eq!(back, m);
    }
}

#[test]
fn every_server_message_round_trips() {
    for m in sample_server_messages() {
        let frame = encode(&m).unwrap();
        let back: ServerMessage = decode(&frame[4..]).unwrap();
        assert_eq!(back, m);
    }
}

/// If this fails, the wire format changed: bump PROTOCOL_VERSION and update the bytes.
#[test]
fn golden_bytes_pin_the_wire_format() {
    let m = ServerMessage::Reply { id: 300, chain: 2, outcome: Outcome::Ok(Value::String("ok".into())) };
    let frame = encode(&m).unwrap();
    assert_eq!(PROTOCOL_VERSION, 16);
    assert_eq!(frame, vec![10, 0, 0, 0, 1, 251, 44, 1, 2, 0, 4, 2, b'o', b'k']);
    // Version 8's Value::Lent: variant 15, kind, address, then the region naming LENT_SEGMENT.
    let region = Region { owner: SegmentOwner::Client, segment: LENT_SEGMENT, offset: 3, len: 16 };
    let lent = Outcome::Ok(Value::Lent { kind: BufferKind::Buffer, address: 0x1000, region });
    let frame = encode(&ServerMessage::Reply { id: 1, chain: 2, outcome: lent }).unwrap();
    assert_eq!(frame, vec![17, 0, 0, 0, 1, 1, 2, 0, 15, 11, 251, 0, 16, 1, 252, 255, 255, 255, 255, 3, 16]);
    // Version 10's BufferKind::Float16: variant 15, after the kinds version 9 had.
    let bytes = Outcome::Ok(Value::Bytes { kind: BufferKind::Float16, data: vec![0, 0x3C] });
    let frame = encode(&ServerMessage::Reply { id: 1, chain: 2, outcome: bytes }).unwrap();
    assert_eq!(frame[9..], [15, 2, 0, 0x3C]);
    // Version 11's cycle collection: a question (variant 9: chain, unreached, let_go) and an answer.
    let trace = ServerMessage::Trace { chain: 2, unreached: vec![(PyRef(3), 1)], let_go: vec![ObjectId(8)] };
    assert_eq!(encode(&trace).unwrap(), vec![7, 0, 0, 0, 9, 2, 1, 3, 1, 1, 8]);
    let answer = ClientMessage::Traced(TraceAnswer::Garbage(vec![ObjectId(8)]));
    assert_eq!(encode(&answer).unwrap(), vec![4, 0, 0, 0, 4, 1, 1, 8]);
    // Version 14's descriptors: the announcement (variant 5, its id), adopting (op 28: the id)
    // and closing one (op 29: its number, zigzag).
    assert_eq!(encode(&ClientMessage::Descriptor { id: 7 }).unwrap(), vec![2, 0, 0, 0, 5, 7]);
    let request = |op| ClientMessage::Request(Request { id: 1, chain: 1, releases: vec![], forgotten: vec![], op });
    assert_eq!(encode(&request(Op::AdoptDescriptor { id: 7 })).unwrap(), vec![7, 0, 0, 0, 0, 1, 1, 0, 0, 28, 7]);
    assert_eq!(encode(&request(Op::CloseDescriptor { fd: 300 })).unwrap(), vec![9, 0, 0, 0, 0, 1, 1, 0, 0, 29, 251, 88, 2]);
    // Version 15's compact frames (`quick`): a call of function 5 on nothing with `true` and
    // "ok", and its reply of undefined.
    let mut call = QuickFrame::call(ObjectId(5), None, &[QuickArg::Bool(true), QuickArg::Text("ok")]).unwrap();
    call.request(1, 1);
    let mut expected = vec![40, 0, 0, 0, QUICK_CALL, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5];
    expected.extend_from_slice(&[0; 15]);
    expected.extend_from_slice(&[3, 5, 2, b'o', b'k']);
    assert_eq!(call.as_bytes(), expected);
    let reply = QuickFrame::reply(1, 1, &Value::Undefined).unwrap();
    assert_eq!(reply.as_bytes(), [18, 0, 0, 0, QUICK_REPLY, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    // Version 16's failure for an ended JS thread: outcome 2 (`Failed`), kind 4.
    let ended = Outcome::Failed(Failure { kind: FailureKind::JsThreadEnded, message: "x".into() });
    assert_eq!(encode(&ServerMessage::Reply { id: 1, chain: 2, outcome: ended }).unwrap(), vec![7, 0, 0, 0, 1, 1, 2, 2, 4, 1, b'x']);
}

#[test]
fn garbage_payloads_are_errors_not_panics() {
    // A vector length claiming far more elements than the payload holds must not allocate it.
    let mut payload = vec![0u8]; // ClientMessage::Request
    payload.extend_from_slice(&[1, 1]); // id, chain
    payload.extend_from_slice(&[253, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]); // releases len
    assert!(decode::<ClientMessage>(&payload).is_err());
    for seed in 0u32..2000 {
        let bytes: Vec<u8> = (0..(seed % 40)).map(|i| (seed.wrapping_mul(2654435761).wrapping_add(i * 97) >> 7) as u8).collect();
        let _ = decode::<ClientMessage>(&bytes);
        let _ = decode::<ServerMessage>(&bytes);
    }
}

#[test]
fn a_walked_placeholder_never_crosses_as_bytes() {
    // Value::Walked is for an in-process host's direct requests only: encoding one is refused,
    // and the tag it would have (16, after Lent) is no value the decoder knows.
    let op = Op::Set { target: Value::Null, key: Value::Null, value: Value::Walked(0) };
    let request = ClientMessage::Request(Request { id: 1, chain: 1, releases: vec![], forgotten: vec![], op });
    assert!(matches!(encode(&request), Err(FrameError::Malformed(m)) if m.contains("never crosses")));
    let set = encode(&ClientMessage::Request(Request {
        id: 1,
        chain: 1,
        releases: vec![],
        forgotten: vec![],
        op: Op::Set { target: Value::Null, key: Value::Null, value: Value::Null },
    }))
    .unwrap();
    let mut walked = set[4..].to_vec();
    *walked.last_mut().unwrap() = 16;
    assert!(decode::<ClientMessage>(&walked).is_err());
}

#[test]
fn placeholders_left_anywhere_in_an_op_are_all_filled_in_order() {
    // Every value an op carries is visited, so a request turned away after its caller left
    // placeholders in it can always be made whole and encoded.
    let descriptor = Descriptor { value: Some(Value::Walked(2)), get: Some(Value::Walked(3)), ..Descriptor::default() };
    let mut ops = vec![
        Op::Call { func: Value::Walked(0), this: Value::Walked(1), args: vec![Value::Walked(2), Value::Number(1.0)] },
        Op::DefineProperty { target: Value::Walked(0), key: Value::Walked(1), descriptor: Box::new(descriptor) },
        Op::NewObject { props: vec![(Value::Walked(0), Value::Walked(1)), (Value::String("k".into()), Value::Walked(2))] },
        Op::SettleDeferred { deferred: 1, fulfilled: true, value: Value::Walked(0) },
    ];
    for op in &mut ops {
        let mut seen = Vec::new();
        op.values_mut(|v| {
            if let Value::Walked(n) = *v {
                seen.push(n);
                *v = Value::Array(vec![Value::Number(f64::from(n))]);
            }
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(seen, (0..seen.len() as u32).collect::<Vec<_>>(), "{op:?}: in order, each once");
        let request = ClientMessage::Request(Request { id: 1, chain: 1, releases: vec![], forgotten: vec![], op: op.clone() });
        assert!(encode(&request).is_ok(), "{op:?} still holds a placeholder");
    }
    let mut stopped = 0;
    let failed = ops[0].values_mut(|_| {
        stopped += 1;
        Err("stop")
    });
    assert_eq!((failed, stopped), (Err("stop"), 1), "the first failure ends the visit");
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut frame = encode(&ServerMessage::Hello { version: 1, pid: 1, protections: vec![] }).unwrap();
    frame.push(0);
    assert!(decode::<ServerMessage>(&frame[4..]).is_err());
}

#[test]
fn a_small_payload_cannot_make_the_decoder_allocate_what_it_claims() {
    // The fuzz target's first finding: 11 bytes whose byte string claims 218 MB. Refused by
    // the size-scaled limit before anything is allocated.
    let payload = [0u8, 0, 210, 66, 1, 37, 252, 251, 210, 0, 13];
    assert!(matches!(decode::<ClientMessage>(&payload), Err(FrameError::Malformed(_))));
    assert!(std::mem::size_of::<Value>() <= 128, "raise ELEMENT in frame.rs");
}
