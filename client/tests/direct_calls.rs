//! Direct calls (`session::direct`): an in-process session's requests served on the calling
//! thread under the host's JS lock, the local calls they cause run inline there, what the host
//! copies to the caller made whole, a napi-rs addon's calls relayed to the host thread
//! (`direct_calls/cases.rs`, which Windows runs too), and a caller that waits for the JS lock
//! another thread holds.

// Windows runs the cases through windows_direct_calls.rs; the lock's wait needs a socket pair.
#![cfg(unix)]

#[path = "direct_calls/cases.rs"]
mod cases;
mod common;

use napi_client::session::{HostValue, Session};
use napi_protocol::Value;

use common::addon;

#[test]
fn a_direct_call_waits_for_the_js_lock_another_call_holds() {
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::sync::mpsc::channel;
    use std::time::Duration;

    let session = Session::in_process().unwrap();
    let isolation = session.load(&addon("isolation")).unwrap();
    let bench = session.load(&addon("bench")).unwrap();
    let (mut ours, theirs) = UnixStream::pair().unwrap();
    ours.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let fd = Value::Number(f64::from(theirs.as_raw_fd()));
    // A direct call that holds the JS lock until the test writes to the socket.
    let wait = isolation.property("signalThenWait").unwrap().clone();
    let (holder, held) = (session.clone(), channel());
    let args = vec![fd.clone(), fd, Value::Number(0.0)];
    let holding = std::thread::spawn(move || held.0.send(holder.call(&wait, Value::Undefined, args).map(HostValue::into_value)));
    ours.read_exact(&mut [0]).expect("the first call holds the JS lock");
    let add = bench.property("add").unwrap().clone();
    let (adder, added) = (session.clone(), channel());
    let adding = std::thread::spawn(move || {
        added.0.send(adder.call(&add, Value::Undefined, vec![Value::Number(1.0), Value::Number(2.0)]).map(HostValue::into_value))
    });
    assert!(added.1.recv_timeout(Duration::from_millis(200)).is_err(), "a second call waits while the first holds the lock");
    ours.write_all(&[0]).unwrap();
    assert_eq!(held.1.recv_timeout(Duration::from_secs(30)).unwrap().unwrap(), Value::Undefined);
    assert_eq!(added.1.recv_timeout(Duration::from_secs(30)).unwrap().unwrap(), Value::Number(3.0));
    holding.join().unwrap().unwrap();
    adding.join().unwrap().unwrap();
    drop(theirs);
}
