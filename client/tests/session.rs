//! The client's core with no Python: a session loads the test addons (`build/addons/`, made by
//! scripts/build) into a host, in each mode, and calls them.

mod common;

use napi_client::link::channel::DeathKind;
use napi_client::session::{by_reference, Error, HostValue, Session};
use napi_protocol::{BufferKind, FailureKind, Op, Value};

use common::{addon, both, root};

#[test]
fn loads_an_addon_and_calls_its_functions() {
    both(|session| {
        let addon = session.load(&addon("bench")).unwrap();
        let exports = addon.exports();
        let add = session.get(exports, "add").unwrap();
        assert!(matches!(*add, Value::Js(_)), "a function stays in the host: {add:?}");
        assert_eq!(addon.property("add"), Some(add.value()), "the load's answer names the same function");
        assert_eq!(session.call(&add, Value::Undefined, vec![Value::Number(1.5), Value::Number(2.0)]).unwrap(), Value::Number(3.5));
        let echo = session.get(exports, "echo").unwrap();
        let text = Value::String("héllo, wörld".into());
        assert_eq!(session.call(&echo, Value::Undefined, vec![text.clone()]).unwrap(), text);
    });
}

#[test]
fn sets_and_gets_properties_of_host_objects() {
    both(|session| {
        let addon = session.load(&addon("bench")).unwrap();
        let exports = addon.exports();
        session.set(exports, "answer", Value::Number(42.0)).unwrap();
        assert_eq!(session.get(exports, "answer").unwrap(), Value::Number(42.0));
        assert_eq!(session.get(exports, "nothing here").unwrap(), Value::Undefined);
    });
}

#[test]
fn a_missing_addon_fails_to_load() {
    both(|session| {
        let missing = root().join("build/addons/no-such-addon.node");
        match session.load(&missing.to_string_lossy()) {
            Err(Error::Failed(failure)) => assert_eq!(failure.kind, FailureKind::Load, "{}", failure.message),
            other => panic!("loading a missing file answered {other:?}"),
        }
        assert!(session.alive(), "a failed load leaves the host serving");
    });
}

#[test]
fn a_javascript_throw_is_an_error() {
    both(|session| {
        let addon = session.load(&addon("bench")).unwrap();
        let exports = addon.exports();
        // Calling a number throws a TypeError in the host.
        match session.call(&Value::Number(1.0), Value::Undefined, Vec::new()) {
            Err(Error::Thrown(thrown)) => assert_eq!(thrown.error.as_ref().map(|e| e.name.as_str()), Some("TypeError")),
            other => panic!("calling a number answered {other:?}"),
        }
        assert!(session.get(exports, "add").is_ok(), "the host serves on after a throw");
    });
}

#[test]
fn a_closed_session_refuses_requests() {
    both(|session| {
        let addon = session.load(&addon("bench")).unwrap();
        let exports = addon.exports();
        session.close();
        assert!(!session.alive());
        match session.get(exports, "add") {
            Err(Error::Dead(dead)) => assert_eq!(dead.kind, DeathKind::Closed),
            other => panic!("a request to a closed host answered {other:?}"),
        }
    });
}

#[test]
fn buffers_share_their_bytes_with_the_host() {
    both(|session| {
        let (shared, memory) = session.new_buffer(BufferKind::Uint8, 16).unwrap();
        assert_eq!(memory.len, 16);
        let buffer = by_reference(&shared);
        // SAFETY: `memory` maps the buffer's 16 bytes while it lives; no JS runs meanwhile.
        unsafe { std::ptr::copy_nonoverlapping(b"hello".as_ptr(), memory.ptr, 5) };
        assert_eq!(session.get(&buffer, "0").unwrap(), Value::Number(f64::from(b'h')), "the host reads what was written here");
        session.set(&buffer, "15", Value::Number(7.0)).unwrap();
        // SAFETY: as above.
        assert_eq!(unsafe { memory.ptr.add(15).read_volatile() }, 7, "the host's write is seen here");
        assert!(session.map(&Value::Number(1.0)).is_none(), "a number maps nothing");
    });
}

/// What the host's collection frees now.
fn collect(session: &Session) -> Value {
    session.request(Op::Gc).unwrap().into_value()
}

fn new_array(session: &Session) -> HostValue {
    session.request(Op::NewArray { items: vec![Value::Number(1.0)] }).unwrap()
}

#[test]
fn a_host_object_lives_while_its_handle_does() {
    both(|session| {
        collect(&session);
        let kept = new_array(&session);
        for _ in 0..3 {
            drop(new_array(&session));
        }
        assert_eq!(collect(&session), Value::Number(3.0), "the dropped handles' arrays are freed");
        assert_eq!(session.get(&kept, "0").unwrap(), Value::Number(1.0));
        drop(kept);
        assert_eq!(collect(&session), Value::Number(1.0));
        let kept = new_array(&session).into_value();
        assert_eq!(collect(&session), Value::Number(0.0), "a value taken out of its handle keeps its objects");
        assert_eq!(session.get(&kept, "0").unwrap(), Value::Number(1.0));
    });
}

#[test]
fn threads_calling_at_once_each_get_their_own_replies() {
    // Threads with no GIL between them wait for their replies at once: one at a time reads the
    // rings for all (the reading claim, which is also the reader's only lock: a second thread
    // reading beside it would tear the frames both read), filing each reply for its thread.
    let session = common::isolated(std::sync::Arc::new(napi_client::session::NoLocalObjects));
    let addon = session.load(&addon("bench")).unwrap();
    let add = session.get(addon.exports(), "add").unwrap();
    std::thread::scope(|s| {
        for t in 0..8 {
            let (session, add) = (&session, &add);
            s.spawn(move || {
                for i in 0..400 {
                    let args = vec![Value::Number(f64::from(i)), Value::Number(f64::from(t * 1000))];
                    assert_eq!(session.call(add, Value::Undefined, args).unwrap(), Value::Number(f64::from(i + t * 1000)));
                }
            });
        }
    });
}
