//! A host that crashes, hangs, or breaks the protocol: the session's requests end with why,
//! in bounded time, and a restarted host serves (isolated: in-process, a crash is the
//! program's own).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use napi_client::link::channel::DeathKind;
use napi_client::session::{Error, HostValue, NoLocalObjects, Session};
use napi_protocol::Value;

use common::{addon, isolated, isolated_mode};

/// Calls export `name` of the addon `file` with `args`.
fn call(session: &Session, file: &str, name: &str, args: Vec<Value>) -> Result<HostValue, Error> {
    let addon = session.load(&addon(file)).unwrap();
    session.call(addon.property(name).expect("the addon exports it"), Value::Undefined, args)
}

fn death(result: Result<HostValue, Error>) -> DeathKind {
    match result {
        Err(Error::Dead(dead)) => dead.kind,
        other => panic!("the host answered {other:?}"),
    }
}

#[test]
fn a_crash_ends_the_request_and_a_restart_serves() {
    let session = isolated(Arc::new(NoLocalObjects));
    assert_eq!(death(call(&session, "faults", "segfault", vec![])), DeathKind::Crashed);
    assert!(!session.alive());
    let restarted = session.restart().unwrap();
    assert_eq!(call(&restarted, "faults", "add", vec![Value::Number(20.0), Value::Number(22.0)]).unwrap(), Value::Number(42.0));
}

#[test]
fn a_hung_host_is_killed_at_the_timeout() {
    let session = Session::start(isolated_mode(Duration::from_secs(5)), Arc::new(NoLocalObjects)).unwrap();
    let started = Instant::now();
    assert_eq!(death(call(&session, "isolation", "pause", vec![])), DeathKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
}

#[test]
fn a_forged_reply_is_a_protocol_error() {
    let session = isolated(Arc::new(NoLocalObjects));
    let started = Instant::now();
    assert_eq!(death(call(&session, "hostile_host", "forgedReply", vec![Value::Number(123_456.0)])), DeathKind::Crashed);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[test]
fn a_malformed_event_ends_the_host() {
    let session = isolated(Arc::new(NoLocalObjects));
    let started = Instant::now();
    assert_eq!(death(call(&session, "hostile_host", "garbageEvent", vec![])), DeathKind::Crashed);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}
