use super::*;
use crate::frame::decode;
use crate::{ClientMessage, JsRef, Op, RefKind};

/// A call's frame, its request named.
fn named(id: RequestId, chain: ChainId, func: ObjectId, this: Option<ObjectId>, args: &[QuickArg<'_>]) -> Option<QuickFrame> {
    let mut frame = QuickFrame::call(func, this, args)?;
    frame.request(id, chain);
    Some(frame)
}

fn every_kind() -> Vec<QuickArg<'static>> {
    vec![
        QuickArg::Undefined,
        QuickArg::Null,
        QuickArg::Bool(false),
        QuickArg::Bool(true),
        QuickArg::Number(-0.0),
        QuickArg::Text("ü"),
        QuickArg::Bytes(b"\0\xff"),
        QuickArg::Number(f64::NAN),
    ]
}

#[test]
fn a_call_of_every_kind_comes_back_as_it_went_bit_for_bit() {
    let args = every_kind();
    let frame = named(7, 3, ObjectId(11), Some(ObjectId(12)), &args).unwrap();
    let call = QuickCall::decode(frame.payload()).unwrap();
    assert_eq!((call.id, call.chain, call.func, call.this), (7, 3, ObjectId(11), Some(ObjectId(12))));
    let back: Vec<QuickArg<'_>> = call.args().collect();
    assert_eq!(back.len(), args.len());
    for (a, b) in args.iter().zip(&back) {
        match (a, b) {
            // Bits, not values: -0.0 and NaN must cross as they are.
            (QuickArg::Number(x), QuickArg::Number(y)) => assert_eq!(x.to_bits(), y.to_bits()),
            _ => assert_eq!(a, b),
        }
    }
    let none = QuickCall::decode(named(1, 1, ObjectId(2), None, &[]).unwrap().payload()).unwrap();
    assert!(none.this.is_none() && none.is_empty());
}

/// A call written argument by argument (`begin_call`, `put_arg`, `end_call`) as a binding
/// classifies its values, with no list of them: the same bytes as the whole call's; other than
/// the count it began with is a frame no reader takes.
#[test]
fn a_call_written_argument_by_argument_is_the_whole_calls_frame() {
    let args = every_kind();
    let piecewise = |count: usize, args: &[QuickArg<'_>]| {
        let mut frame = QuickFrame::empty();
        assert!(frame.begin_call(ObjectId(11), Some(ObjectId(12)), count));
        assert!(args.iter().all(|&a| frame.put_arg(a)));
        frame.end_call();
        frame.request(7, 3);
        frame
    };
    let whole = named(7, 3, ObjectId(11), Some(ObjectId(12)), &args).unwrap();
    assert_eq!(piecewise(args.len(), &args).as_bytes(), whole.as_bytes());
    let fewer = &args[..args.len() - 1];
    assert!(QuickCall::decode(piecewise(args.len(), fewer).payload()).is_err(), "an argument fewer than begun");
    assert!(QuickCall::decode(piecewise(fewer.len(), &args).payload()).is_err(), "an argument more than begun");
    assert!(!QuickFrame::empty().begin_call(ObjectId(1), None, QUICK_ARGS + 1));
    let long = [0; QUICK_ITEM + 1];
    let mut frame = QuickFrame::empty();
    assert!(frame.begin_call(ObjectId(1), None, 1));
    assert!(!frame.put_arg(QuickArg::Bytes(&long)), "bytes past the limit");
}

#[test]
fn the_request_it_stands_for_carries_the_same_values() {
    let frame = named(7, 3, ObjectId(11), None, &[QuickArg::Number(1.5), QuickArg::Text("a"), QuickArg::Bytes(b"b")]).unwrap();
    let request = QuickCall::decode(frame.payload()).unwrap().to_request();
    let held = |id| Value::Js(JsRef { id: ObjectId(id), kind: RefKind::Object, class_proto: None, label: String::new() });
    let args = vec![Value::Number(1.5), Value::String("a".into()), Value::Bytes { kind: crate::BufferKind::Buffer, data: b"b".to_vec() }];
    assert_eq!(request.op, Op::Call { func: held(11), this: Value::Undefined, args });
    assert_eq!((request.id, request.chain), (7, 3));
}

#[test]
fn what_has_no_compact_form_is_left_to_the_message() {
    let long = "x".repeat(QUICK_ITEM);
    assert!(QuickFrame::call(ObjectId(1), None, &[QuickArg::Text(&long)]).is_some());
    assert!(QuickFrame::call(ObjectId(1), None, &[QuickArg::Text(&format!("{long}x"))]).is_none());
    assert!(QuickFrame::call(ObjectId(1), None, &[QuickArg::Bytes(&[0; QUICK_ITEM])]).is_some());
    assert!(QuickFrame::call(ObjectId(1), None, &[QuickArg::Bytes(&[0; QUICK_ITEM + 1])]).is_none());
    assert!(QuickFrame::call(ObjectId(1), None, &[QuickArg::Null; QUICK_ARGS]).is_some());
    assert!(QuickFrame::call(ObjectId(1), None, &[QuickArg::Null; QUICK_ARGS + 1]).is_none());
    // Each short enough, together too long.
    assert!(QuickFrame::call(ObjectId(1), None, &[QuickArg::Text(&long), QuickArg::Text(&long)]).is_none());
    for v in [Value::String("a".into()), Value::Array(vec![]), Value::Date(0.0)] {
        assert!(QuickFrame::reply(1, 1, &v).is_none());
    }
}

#[test]
fn a_reply_of_each_kind_comes_back_as_the_message_it_stands_for() {
    for v in [Value::Undefined, Value::Null, Value::Bool(false), Value::Bool(true), Value::Number(-0.0), Value::Number(2.5)] {
        let frame = QuickFrame::reply(300, 2, &v).unwrap();
        assert_eq!(decode_reply(frame.payload()).unwrap(), ServerMessage::Reply { id: 300, chain: 2, outcome: Outcome::Ok(v) });
    }
}

/// Every cut, every byte changed and every byte added is refused or decodes to a well-formed
/// call; nothing panics.
#[test]
fn a_hostile_payload_is_refused() {
    let frame = named(7, 3, ObjectId(11), Some(ObjectId(12)), &every_kind()).unwrap();
    let payload = frame.payload();
    for end in 0..payload.len() {
        assert!(QuickCall::decode(&payload[..end]).is_err(), "cut at {end}");
    }
    let mut longer = payload.to_vec();
    longer.push(0);
    assert!(QuickCall::decode(&longer).is_err(), "a trailing byte");
    for at in 0..payload.len() {
        for b in [0u8, 1, 2, 5, 6, 7, 0x80, 0xff] {
            let mut changed = payload.to_vec();
            changed[at] = b;
            if let Ok(call) = QuickCall::decode(&changed) {
                assert!(call.len() <= QUICK_ARGS);
                call.args().for_each(drop);
            }
        }
    }
    let refused = |p: &[u8]| QuickCall::decode(p).is_err();
    let head = |count: u8, flag: u8, this: u8| {
        let mut p = vec![QUICK_CALL, count, flag];
        p.extend_from_slice(&[0; 24]);
        p.extend_from_slice(&[this, 0, 0, 0, 0, 0, 0, 0]);
        p
    };
    assert!(!refused(&head(0, 0, 0)));
    assert!(refused(&head(0, 2, 0)), "a receiver flag of 2");
    assert!(refused(&head(0, 0, 1)), "a receiver named without its flag");
    assert!(refused(&[head(1, 0, 0), vec![9]].concat()), "an unknown kind");
    assert!(refused(&[head(1, 0, 0), vec![kind::TEXT, 2, 0xc3, 0x28]].concat()), "no UTF-8");
    let too_long = [head(1, 0, 0), vec![kind::BYTES, QUICK_ITEM as u8 + 1], vec![0; QUICK_ITEM + 1]].concat();
    assert!(refused(&too_long), "bytes past the limit");
    assert!(refused(&[head(9, 0, 0), vec![0; 9]].concat()), "too many arguments");
    assert!(refused(&[head(1, 0, 0), vec![0; QUICK_MAX]].concat()), "past the frame's limit");
    let reply = QuickFrame::reply(1, 2, &Value::Number(1.0)).unwrap();
    for end in 0..reply.payload().len() {
        assert!(decode_reply(&reply.payload()[..end]).is_err());
    }
    assert!(decode_reply(&[QUICK_REPLY, kind::TEXT, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    // Bytes past the end of a reply of each kind: a number's 8 after a null, one after a number.
    let null = QuickFrame::reply(1, 2, &Value::Null).unwrap();
    assert!(decode_reply(null.payload()).is_ok());
    assert!(decode_reply(&[null.payload(), &[0; 8]].concat()).is_err(), "a null with a number's bytes");
    assert!(decode_reply(&[reply.payload(), &[0]].concat()).is_err(), "a number with a byte more");
    assert!(decode_reply(&[reply.payload(), &[0; QUICK_MAX]].concat()).is_err(), "past the frame's limit");
}

/// The first byte tells a compact frame from a message: no message starts with either tag.
#[test]
fn no_message_is_taken_for_a_compact_frame() {
    let call = QuickFrame::call(ObjectId(1), None, &[]).unwrap();
    assert!(decode::<ClientMessage>(call.payload()).is_err());
    let reply = QuickFrame::reply(1, 1, &Value::Null).unwrap();
    assert!(decode::<ServerMessage>(reply.payload()).is_err());
    for m in crate::tests::sample_server_messages() {
        assert!(!is_quick(&crate::frame::encode(&m).unwrap()[4..], QUICK_REPLY));
    }
    for m in crate::tests::sample_client_messages() {
        assert!(!is_quick(&crate::frame::encode(&m).unwrap()[4..], QUICK_CALL));
    }
}

/// `payload` copied into the slot's room, as the host's reader copies it from the ring.
fn read_in_place(slot: &mut QuickCall, payload: &[u8]) -> Result<(), FrameError> {
    slot.room()[..payload.len()].copy_from_slice(payload);
    slot.read_in_place(payload.len())
}

#[test]
fn a_call_copied_into_the_slot_is_checked_where_it_lies() {
    let args = every_kind();
    let frame = named(7, 3, ObjectId(11), Some(ObjectId(12)), &args).unwrap();
    let mut slot = QuickCall::slot();
    read_in_place(&mut slot, frame.payload()).unwrap();
    assert_eq!((slot.id, slot.chain, slot.func, slot.this), (7, 3, ObjectId(11), Some(ObjectId(12))));
    assert_eq!(slot.args().count(), args.len());
    assert_eq!(slot.arg(5), QuickArg::Text("ü"));
    // A payload no longer than the room, claimed longer: refused, never read past the room.
    assert!(matches!(slot.read_in_place(QUICK_MAX + 1), Err(FrameError::Malformed(_))));
}

#[test]
fn no_argument_of_a_refused_or_overwritten_payload_is_readable() {
    let text = named(1, 1, ObjectId(2), None, &[QuickArg::Null, QuickArg::Text("ok")]).unwrap();
    let mut slot = QuickCall::slot();
    read_in_place(&mut slot, text.payload()).unwrap();
    assert_eq!(slot.arg(1), QuickArg::Text("ok"));
    // A refused payload over it (its string no UTF-8): the old places must not read the new bytes.
    let mut bad = text.payload().to_vec();
    let at = bad.len() - 2;
    bad[at..].copy_from_slice(&[0xff, 0xfe]);
    assert!(read_in_place(&mut slot, &bad).is_err());
    assert!(slot.is_empty());
    assert!(std::panic::catch_unwind(|| slot.arg(1)).is_err(), "a stale argument is read");
    // The same through `read`, and through the room alone (a message copied there).
    read_in_place(&mut slot, text.payload()).unwrap();
    assert!(slot.read(&bad).is_err() && slot.is_empty());
    read_in_place(&mut slot, text.payload()).unwrap();
    slot.room()[0] = 0;
    assert!(slot.is_empty());
}

#[test]
fn a_frame_holds_only_the_bytes_written_its_length_word_their_count() {
    // The frame's bytes past what was written are never zeroed: none of them may show.
    let empty = QuickFrame::empty();
    assert_eq!(empty.as_bytes(), &[0; HEADER_LEN]);
    assert!(empty.payload().is_empty());
    for args in [&[][..], &[QuickArg::Number(2.5)][..], &every_kind()[..]] {
        let frame = named(1, 2, ObjectId(3), None, args).unwrap();
        let (header, payload) = frame.as_bytes().split_at(HEADER_LEN);
        assert_eq!(u32::from_le_bytes(header.try_into().unwrap()) as usize, payload.len());
        assert_eq!(payload, frame.payload());
        assert_eq!(QuickCall::decode(payload).unwrap().len(), args.len());
    }
}
