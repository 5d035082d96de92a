//! What a client sends in shared memory is checked before it is used: a region outside its
//! segment, a segment never announced, a length that makes no whole elements, memory no live
//! buffer owns. Each is a `BadRequest`, never a panic, and a refused upload's block still goes
//! back to the client.

use napi_link::shm::OwnSegment;
use napi_protocol::{self as proto, BufferKind, FailureKind, Region, SegmentOwner};

use std::cell::RefCell;

use super::{from_wire, ClientHolds, HeapBuilder, ToWire, TooLarge};
use napi_protocol::ValueBudget;
use napi_runtime::object::ObjectClass;
use napi_runtime::property::{Property, PropertyKey, Slot};
use napi_runtime::testing::runtime;
use napi_runtime::{Runtime, Value};

fn client_region(offset: u64, len: u64) -> Region {
    Region { owner: SegmentOwner::Client, segment: 7, offset, len }
}

fn with_client_segment(rt: &Runtime) -> OwnSegment {
    let seg = OwnSegment::create(4096).unwrap();
    rt.shm().add_peer(7, 4096, seg.fd.try_clone().unwrap()).unwrap();
    seg
}

fn refused(rt: &Runtime, v: proto::Value) -> String {
    match from_wire(rt, &Default::default(), &v) {
        Err(f) => {
            assert_eq!(f.kind, FailureKind::BadRequest);
            f.message
        }
        Ok(_) => panic!("accepted {v:?}"),
    }
}

#[test]
fn uploads_outside_a_known_segment_are_refused() {
    let rt = runtime();
    let _seg = with_client_segment(&rt);
    let unknown = Region { segment: 8, ..client_region(0, 16) };
    assert!(refused(&rt, proto::Value::Upload { kind: BufferKind::Buffer, region: unknown }).contains("no client segment"));
    let host_owned = Region { owner: SegmentOwner::Host, ..client_region(0, 16) };
    assert!(refused(&rt, proto::Value::Upload { kind: BufferKind::Buffer, region: host_owned }).contains("no client segment"));
    assert!(refused(&rt, proto::Value::Upload { kind: BufferKind::Buffer, region: client_region(4000, 200) }).contains("outside"));
    assert!(refused(&rt, proto::Value::Upload { kind: BufferKind::Buffer, region: client_region(u64::MAX, 2) }).contains("outside"));
    assert!(rt.shm().take_returned().is_empty(), "no block was taken");
}

#[test]
fn an_upload_of_partial_elements_is_refused_and_its_block_returned() {
    let rt = runtime();
    let _seg = with_client_segment(&rt);
    let region = client_region(64, 12);
    assert!(refused(&rt, proto::Value::Upload { kind: BufferKind::Float64, region }).contains("whole elements"));
    assert_eq!(rt.shm().take_returned(), vec![region]);
}

#[test]
fn an_upload_becomes_a_buffer_over_the_clients_bytes() {
    let rt = runtime();
    let seg = with_client_segment(&rt);
    // SAFETY: inside the 4 KiB mapping.
    unsafe { *seg.mapping.as_ptr().add(128) = 42 };
    let Ok(Value::Object(view)) =
        from_wire(&rt, &Default::default(), &proto::Value::Upload { kind: BufferKind::Buffer, region: client_region(128, 8) })
    else {
        panic!("refused")
    };
    let heap = rt.heap();
    let ObjectClass::View(v) = &heap.obj(view).class else { panic!("not a view") };
    let ObjectClass::ArrayBuffer(data) = &heap.obj(v.buffer).class else { panic!("no buffer") };
    assert_eq!(data.bytes()[0], 42, "the host reads the client's block in place");
}

#[test]
fn in_place_memory_must_be_a_live_buffers() {
    let rt = runtime();
    let ab = rt.new_arraybuffer(rt.new_backing(256, None).unwrap());
    let whole = match &rt.heap().obj(ab).class {
        ObjectClass::ArrayBuffer(d) => match &d.backing {
            napi_runtime::object::Backing::Shared(b) => b.region(),
            _ => panic!("not shared"),
        },
        _ => unreachable!(),
    };
    let inside = Region { offset: whole.offset + 8, len: 16, ..whole };
    // The client can name only memory it was sent: until the buffer crosses, its region is nobody's.
    assert!(refused(&rt, proto::Value::InPlace { kind: BufferKind::Uint16, region: inside }).contains("not a live buffer"));
    let held = RefCell::new(ClientHolds::default());
    let Ok(proto::Value::Shared { region: sent, .. }) = ToWire::new(&rt, &held, &Default::default()).value(&Value::Object(ab)) else {
        panic!("not sent as shared memory")
    };
    assert_eq!(sent, whole);
    let Ok(Value::Object(view)) = from_wire(&rt, &Default::default(), &proto::Value::InPlace { kind: BufferKind::Uint16, region: inside })
    else {
        panic!("refused")
    };
    match &rt.heap().obj(view).class {
        ObjectClass::View(v) => assert_eq!((v.buffer, v.byte_offset, v.length), (ab, 8, 8)),
        _ => panic!("not a view"),
    }
    let past_end = Region { offset: whole.offset + 250, len: 16, ..whole };
    assert!(refused(&rt, proto::Value::InPlace { kind: BufferKind::Buffer, region: past_end }).contains("not a live buffer"));
    let odd = Region { offset: whole.offset + 1, len: 4, ..whole };
    assert!(refused(&rt, proto::Value::InPlace { kind: BufferKind::Uint16, region: odd }).contains("element size"));
    let part = Region { len: 128, ..whole };
    assert!(refused(&rt, proto::Value::InPlace { kind: BufferKind::ArrayBuffer, region: part }).contains("whole"));
    let elsewhere = Region { segment: whole.segment + 1, ..whole };
    assert!(refused(&rt, proto::Value::InPlace { kind: BufferKind::Buffer, region: elsewhere }).contains("not a live buffer"));
}

/// An array of one array of ... `depth` arrays in all.
fn nested_arrays(rt: &Runtime, depth: u32) -> Value {
    let mut v = Value::Object(rt.new_array(Vec::new()));
    for _ in 1..depth {
        v = Value::Object(rt.new_array(vec![v]));
    }
    v
}

/// Runs `f` on a thread with a small stack: any recursion in proportion to a depth fails.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(256 << 10).spawn(f).unwrap().join().unwrap();
}

/// How many arrays deep a runtime value is nested, through element 0.
fn depth_of(rt: &Runtime, v: &Value) -> u32 {
    let (mut depth, mut at) = (0, v.clone());
    while let Value::Object(id) = at {
        if rt.array_length(id) == 0 {
            break;
        }
        at = match rt.stored_property(id, &PropertyKey::Index(0)) {
            Some(Property { slot: Slot::Data(v), .. }) => v,
            _ => break,
        };
        depth += 1;
    }
    depth
}

#[test]
fn a_copy_100000_deep_crosses_both_ways_in_a_loop() {
    on_small_stack(|| {
        let rt = runtime();
        let held = RefCell::new(ClientHolds::default());
        let deep = nested_arrays(&rt, 100_000);
        let v = ToWire::new(&rt, &held, &Default::default()).value(&deep).unwrap();
        let msg = proto::ServerMessage::Reply { id: 1, chain: 1, outcome: proto::Outcome::Ok(v) };
        let frame = proto::frame::encode(&msg).unwrap();
        let proto::ServerMessage::Reply { outcome: proto::Outcome::Ok(v), .. } = proto::frame::decode(&frame[4..]).unwrap() else {
            panic!("a reply")
        };
        let back = from_wire(&rt, &Default::default(), &v).unwrap();
        assert_eq!(depth_of(&rt, &back), 99_999);
        assert!(held.borrow().is_empty());
    });
}

#[test]
fn a_copy_into_another_sink_builds_no_protocol_value_at_any_depth() {
    on_small_stack(|| {
        let rt = runtime();
        let (held, python) = (RefCell::new(ClientHolds::default()), RefCell::default());
        let deep = nested_arrays(&rt, 100_000);
        let before = napi_protocol::value_tree::containers_built();
        // A host value walked straight into a heap builder, as in-process the client's Python
        // objects are made: a copy of it, with no protocol tree between.
        let mut heap = HeapBuilder::new(&rt, &python, false);
        let copied = ToWire::new(&rt, &held, &python).value_or_copy(&deep, |copy| copy(&mut heap));
        assert!(matches!(copied, Ok(None)), "a container goes to the sink");
        assert_eq!(napi_protocol::value_tree::containers_built(), before);
        let copy = heap.finished.pop().expect("the copy");
        assert!(matches!((&copy, &deep), (Value::Object(a), Value::Object(b)) if a != b), "a new array");
        assert_eq!(depth_of(&rt, &copy), 99_999);
        // And a tree walked into a heap builder is counted as the protocol tree it is.
        let v = ToWire::new(&rt, &held, &python).value(&deep).unwrap();
        assert_eq!(napi_protocol::value_tree::containers_built(), before + 100_000);
        assert_eq!(depth_of(&rt, &from_wire(&rt, &python, &v).unwrap()), 99_999);
    });
}

#[test]
fn a_copy_larger_than_its_budget_is_refused_and_takes_no_holds() {
    let rt = runtime();
    let held = RefCell::new(ClientHolds::default());
    let python = Default::default();
    // An error inside, sent by reference: its hold is given back with the refusal.
    let error = Value::Object(rt.new_error(napi_runtime::convert::ErrorKind::Error, "x".into(), None));
    let with_ref = Value::Object(rt.new_array(vec![error, nested_arrays(&rt, 10)]));
    let mut w = ToWire::new(&rt, &held, &python);
    w.budget = ValueBudget::of(11);
    assert_eq!(w.value(&with_ref), Err(TooLarge));
    assert!(w.copying.is_empty());
    assert!(held.borrow().is_empty(), "no hold is left for a value never sent");
    let failure: napi_protocol::Failure = TooLarge.into();
    assert_eq!(failure.kind, FailureKind::TooLarge);
    assert!(failure.message.contains(&napi_protocol::MAX_VALUES.to_string()), "{}", failure.message);
    // The outer array, the error and ten arrays: twelve values.
    let mut w = ToWire::new(&rt, &held, &python);
    w.budget = ValueBudget::of(12);
    assert!(w.value(&with_ref).is_ok());
}
