//! Every end of a host wakes the threads already waiting on its link, whichever thread raises
//! it: a violation or a close while a call waits for a host stuck in it. An isolated host's end
//! is its process's, which the kernel tells every waiter; an in-process host is a thread that
//! nothing kills, and only the client can tell them.

// The in-process host is stuck on a socket of the test's.
#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use napi_client::link::channel::{Channel, Dead, DeathKind};
use napi_client::link::inbound::Violation;
use napi_client::session::{Error, HostValue, NoLocalObjects, Session};
use napi_protocol::{Op, Value};

use common::link_waits::until_a_thread_reads_the_link;
use common::{addon, both_with};

/// A call on a thread of its own that the host is stuck in, that thread reading the link for
/// the reply: in-process, `signalThenWait` on a socket of ours, which `release` lets go of;
/// isolated, `pause`, which only the host's end ends.
struct StuckCall {
    reply: Receiver<Result<HostValue, Error>>,
    ours: Option<UnixStream>,
}

impl StuckCall {
    fn start(session: &Session) -> StuckCall {
        let isolation = session.load(&addon("isolation")).unwrap();
        let (name, args, ours) = if session.channel().in_process().is_some() {
            let (ours, theirs) = UnixStream::pair().unwrap();
            ours.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let fd = Value::Number(f64::from(theirs.as_raw_fd()));
            // The host thread may read it after this test is done with it.
            std::mem::forget(theirs);
            ("signalThenWait", vec![fd.clone(), fd, Value::Number(0.0)], Some(ours))
        } else {
            ("pause", vec![], None)
        };
        let func = isolation.property(name).unwrap().clone();
        let (sender, reply) = channel();
        let caller = session.clone();
        // By message: in-process, a direct call would run on its own thread, not wait on the link.
        let call = Op::Call { func, this: Value::Undefined, args };
        std::thread::spawn(move || sender.send(caller.request_by_message(call)));
        if let Some(mut ours) = ours.as_ref() {
            ours.read_exact(&mut [0]).expect("the host thread is in the call");
        }
        until_a_thread_reads_the_link(session);
        StuckCall { reply, ours }
    }

    /// Why the host is gone, as the stuck call was told.
    fn ended(self) -> Arc<Dead> {
        let reply = self.reply.recv_timeout(Duration::from_secs(30)).expect("the call waiting on the link is woken by the host's end");
        if let Some(mut ours) = self.ours {
            ours.write_all(&[0]).unwrap();
        }
        match reply {
            Err(Error::Dead(dead)) => dead,
            other => panic!("the stuck call answered {other:?}"),
        }
    }
}

#[test]
fn a_violation_on_another_thread_wakes_a_call_waiting_on_the_link() {
    both_with(Arc::new(NoLocalObjects), |session| {
        let stuck = StuckCall::start(&session);
        session.channel().violation(Violation("a test's own".into()));
        let dead = stuck.ended();
        assert_eq!(dead.kind, DeathKind::Crashed);
        assert!(dead.message.contains("broke the protocol: a test's own"), "{}", dead.message);
    });
}

#[test]
fn a_close_on_another_thread_wakes_a_call_waiting_on_the_link() {
    both_with(Arc::new(NoLocalObjects), |session| {
        let stuck = StuckCall::start(&session);
        session.close();
        assert_eq!(stuck.ended().kind, DeathKind::Closed);
    });
}

/// Two ends at once, an uncaught exception's and a close: whichever records the host's end, it is
/// the first one's reason. (The close waits for the first end's wait for the host, then the two
/// race to record it.)
#[test]
fn a_close_while_an_uncaught_exception_ends_the_host_reports_the_exception() {
    both_with(Arc::new(NoLocalObjects), |session| {
        let stuck = StuckCall::start(&session);
        // The uncaught end hangs up, then waits up to 2 s for the host stuck in the call to go.
        let channel = session.channel().clone();
        let uncaught = std::thread::spawn(move || channel.end_for_uncaught(Duration::from_secs(2), "Error: thrown".into()));
        until_hung_up(&session);
        session.channel().close(Duration::ZERO);
        let dead = stuck.ended();
        assert_eq!(dead.kind, DeathKind::Uncaught, "{}", dead.message);
        assert_eq!(dead.message, "Error: thrown");
        uncaught.join().unwrap();
        assert_eq!(session.channel().dead().unwrap().kind, DeathKind::Uncaught);
    });
}

/// A call made once an uncaught exception's end has hung up, while the host still runs (stuck in
/// a call, it takes the whole grace to go): refused at once with the exception, as node runs
/// nothing after one.
#[test]
fn a_call_made_while_an_uncaught_exception_ends_the_host_is_refused() {
    refused_while_ending(|channel, grace| channel.end_for_uncaught(grace, "Error: thrown".into()), DeathKind::Uncaught, "Error: thrown");
}

/// The same for a close: the call is told the host was closed, as a call after the close is.
#[test]
fn a_call_made_while_a_close_ends_the_host_is_refused() {
    refused_while_ending(Channel::close, DeathKind::Closed, "the addon was closed");
}

/// Starts `end` on another thread while a call holds the host, then makes a call once the link is
/// hung up: it must be refused at once, as `kind` with `message`. In-process the JS lock is the
/// stuck call's, and a direct call would wait for it; isolated, the request would wait for a host
/// that will not answer.
fn refused_while_ending(end: fn(&Channel, Duration), kind: DeathKind, message: &str) {
    // The end's wait for the host (stuck, it takes all of it).
    const GRACE: Duration = Duration::from_secs(6);
    both_with(Arc::new(NoLocalObjects), |session| {
        let stuck = StuckCall::start(&session);
        let ending = session.channel().clone();
        let ended = std::thread::spawn(move || end(&ending, GRACE));
        until_hung_up(&session);
        assert!(session.alive(), "the host is still ending");
        let caller = session.clone();
        let (sender, answer) = channel();
        std::thread::spawn(move || sender.send(caller.request(Op::Ping)));
        // Well within the grace: the end that records the host's death comes after it.
        let refused = answer.recv_timeout(GRACE / 2).expect("the call is answered without waiting for the host to end");
        match refused {
            Err(Error::Dead(dead)) => {
                assert_eq!(dead.kind, kind, "{}", dead.message);
                assert_eq!(dead.message, message);
            }
            other => panic!("the call made while the host ends answered {other:?}"),
        }
        // Let the host go now (the first end's reason stands).
        session.channel().close(Duration::ZERO);
        assert_eq!(stuck.ended().kind, kind);
        ended.join().unwrap();
    });
}

/// Waits until the host's end has begun (`Channel::gone`): its link is hung up.
fn until_hung_up(session: &Session) {
    let by = Instant::now() + Duration::from_secs(30);
    while !session.channel().gone() {
        assert!(Instant::now() < by, "the end did not hang up within 30 s");
        std::thread::yield_now();
    }
}
