//! Promise settlements, once for the session and a binding (`session::subscriptions`): what is
//! kept for a claim still to come and for how long, what an isolated host may settle, and what
//! waiters learn when the host is gone; then a session keeping these rules against the test
//! addons and a hostile host.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use napi_client::link::channel::{Dead, DeathKind};
use napi_client::session::subscriptions::{Claim, Early, Subscriptions};
use napi_client::session::{Error, NoLocalObjects, Session};
use napi_protocol::{Outcome, Value};

use common::{addon, both, isolated, isolated_mode};

/// Subscriptions whose waiters are names and whose outcomes made early are numbers.
type Named = Subscriptions<&'static str, u32>;

fn sent(n: f64) -> Outcome {
    Outcome::Ok(Value::Number(n))
}

fn number(outcome: &Outcome) -> f64 {
    match outcome {
        Outcome::Ok(Value::Number(n)) => *n,
        other => panic!("not a number: {other:?}"),
    }
}

fn dead() -> Arc<Dead> {
    let message = "the host crashed".to_string();
    Arc::new(Dead { kind: DeathKind::Crashed, pid: 1, message, signal: None, exit_code: None, stderr: String::new(), limit: None })
}

#[test]
fn an_isolated_hosts_early_settlement_is_kept_for_a_request_in_flight_once() {
    let subs = Named::new(true);
    subs.expect(5);
    assert!(subs.early(5, sent(1.0)).unwrap().is_none(), "kept for the claim to come");
    assert_eq!(subs.kept(), 1);
    assert!(subs.early(5, sent(2.0)).is_err(), "a second settlement of one subscription is a violation");
    assert!(subs.settled(6, sent(3.0)).is_err(), "so is one of a subscription nobody made");
    match subs.claim(5, "first") {
        Claim::Came("first", Early::Sent(outcome)) => assert_eq!(number(&outcome), 1.0),
        _ => panic!("the claim finds the outcome that came first"),
    }
    assert_eq!(subs.kept(), 0);
    assert!(subs.done(5).is_none());
    assert!(subs.settled(5, sent(4.0)).is_err(), "once its request is over, nothing more is kept for it");
}

#[test]
fn an_early_outcome_nobody_claims_goes_with_its_request() {
    let subs = Named::new(true);
    subs.expect(8);
    assert!(subs.settled(8, sent(1.0)).unwrap().is_none());
    assert!(matches!(subs.done(8), Some(Early::Sent(_))), "handed back to be let go");
    assert_eq!(subs.kept(), 0, "what is kept is bounded by the requests in flight");
}

#[test]
fn a_lone_requests_early_settlement_is_kept_once_and_goes_with_it() {
    let subs = Named::new(true);
    subs.expect_alone(9);
    assert!(subs.settled(9, sent(1.0)).unwrap().is_none(), "kept for the lone request in flight");
    assert!(subs.early(9, sent(2.0)).is_err(), "once");
    assert!(subs.settled(10, sent(3.0)).is_err(), "only for that request");
    assert!(matches!(subs.done(9), Some(Early::Sent(_))), "handed back when it ends unclaimed");
    assert_eq!(subs.kept(), 0);
    assert!(subs.settled(9, sent(4.0)).is_err(), "nothing more is kept for it once it is over");
    subs.expect_alone(11);
    assert!(subs.done(11).is_none(), "a lone request that met no settlement ends with nothing");
    assert!(subs.settled(11, sent(5.0)).is_err());
}

#[test]
fn a_lone_request_keeps_its_expectation_until_it_ends_whoever_is_sent_alone_next() {
    // A lone request whose reply made a promise leaves the reading before its claim is made:
    // another thread may be sent alone meanwhile, and the first one's settlement must still
    // be kept, not taken for a host's lie.
    let subs = Named::new(true);
    subs.expect_alone(21);
    subs.expect_alone(22);
    assert!(subs.settled(21, sent(1.0)).unwrap().is_none(), "the first lone request still expects");
    assert!(subs.settled(22, sent(2.0)).unwrap().is_none(), "and so does the second");
    assert!(matches!(subs.done(22), Some(Early::Sent(_))));
    assert!(matches!(subs.done(21), Some(Early::Sent(_))));
    assert_eq!(subs.kept(), 0);
}

#[test]
fn a_claim_made_first_is_settled_by_the_outcome() {
    let subs = Named::new(true);
    assert!(matches!(subs.claim(7, "waiter"), Claim::Waiting));
    assert!(subs.waited(7));
    assert_eq!(subs.early(7, sent(1.0)).unwrap().map(|o| number(&o)), Some(1.0), "a dispatcher's look hands it back");
    match subs.settled(7, sent(2.0)).unwrap() {
        Some(("waiter", outcome)) => assert_eq!(number(&outcome), 2.0),
        _ => panic!("the waiter settles"),
    }
    assert!(!subs.waited(7));
}

#[test]
fn the_hosts_end_hands_back_every_waiter_and_fails_later_claims() {
    let subs = Named::new(true);
    assert!(matches!(subs.claim(1, "waiting"), Claim::Waiting));
    subs.expect(2);
    assert!(subs.settled(2, sent(1.0)).unwrap().is_none());
    let abandoned = subs.abandon(dead());
    assert_eq!(abandoned.waiters, ["waiting"]);
    assert_eq!(abandoned.early.len(), 1, "the kept outcome is handed back to be let go");
    assert_eq!(subs.kept(), 0);
    match subs.claim(3, "late") {
        Claim::Gone("late", why) => assert_eq!(why.message, "the host crashed"),
        _ => panic!("a claim after the end fails at once"),
    }
}

#[test]
fn an_in_process_hosts_settlements_are_kept_unchecked() {
    let subs = Named::new(false);
    subs.expect(4);
    assert!(subs.settled(9, sent(1.0)).unwrap().is_none(), "not checked: kept for its claim");
    assert!(subs.done(9).is_none(), "nor tracked");
    subs.keep_made(10, 42);
    assert!(matches!(subs.claim(10, "made"), Claim::Came("made", Early::Made(42))));
    assert!(matches!(subs.claim(11, "w"), Claim::Waiting));
    assert!(matches!(subs.keep_unless_waited(11, sent(2.0)), Some(("w", _))), "handed back with its waiter");
    assert!(subs.keep_unless_waited(12, sent(3.0)).is_none());
    assert_eq!(subs.take_waiter(12), None);
    assert_eq!(subs.kept(), 2);
}

/// How many settlements a session keeps for claims to come.
fn kept(session: &Session) -> u64 {
    session.bookkeeping().into_iter().find(|(name, _)| *name == "kept_settlements").expect("counted").1
}

#[test]
fn an_isolated_host_that_settles_what_nobody_subscribed_to_is_stopped() {
    let session = Session::start(isolated_mode(Duration::from_secs(30)), Arc::new(NoLocalObjects)).unwrap();
    let hostile = session.load(&addon("hostile_host")).unwrap();
    let started = Instant::now();
    // 2,000 settlements of 64 KiB each on the event ring (on the main stream the link refuses
    // them itself): the first ends the host, and nothing of them is kept.
    match session.call(hostile.property("unknownEventSettlements").unwrap(), Value::Undefined, vec![Value::Number(2000.0)]) {
        Err(Error::Dead(dead)) => {
            assert_eq!(dead.kind, DeathKind::Crashed);
            assert!(dead.message.contains("a settlement of subscription 1000000"), "{}", dead.message);
        }
        other => panic!("the host answered {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[test]
fn promises_a_request_answers_settle_before_or_after_its_reply_and_nothing_stays_kept() {
    both(|session| {
        let global = session.request(napi_protocol::Op::GlobalThis).unwrap();
        let promise = session.get(&global, "Promise").unwrap();
        let resolve = session.get(&promise, "resolve").unwrap();
        // Settled already: the host's own subscription's settlement races the reply.
        for n in 0..100 {
            let answered = session.call(&resolve, promise.value().clone(), vec![Value::Number(f64::from(n))]).unwrap();
            assert_eq!(session.await_promise(&answered).unwrap(), Value::Number(f64::from(n)));
        }
        // Settled after the reply.
        let promises = session.load(&addon("promises")).unwrap();
        let pending = session.call(promises.property("deferred").unwrap(), Value::Undefined, vec![]).unwrap();
        session.call(promises.property("resolveLast").unwrap(), Value::Undefined, vec![Value::Number(7.0)]).unwrap();
        assert_eq!(session.await_promise(&pending).unwrap(), Value::Number(7.0));
        assert!(session.alive(), "an isolated host's settlements of the promises it answered are no violation");
        assert_eq!(kept(&session), 0, "every early settlement went to its claim");
    });
}

#[test]
fn a_promise_awaited_when_the_host_dies_fails_with_why() {
    let session = isolated(Arc::new(NoLocalObjects));
    let promises = session.load(&addon("promises")).unwrap();
    let faults = session.load(&addon("faults")).unwrap();
    let pending = session.call(promises.property("deferred").unwrap(), Value::Undefined, vec![]).unwrap();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| session.await_promise(&pending));
        let _ = session.call(faults.property("segfault").unwrap(), Value::Undefined, vec![]);
        match waiter.join().unwrap() {
            Err(Error::Dead(dead)) => assert_eq!(dead.kind, DeathKind::Crashed),
            other => panic!("the wait answered {other:?}"),
        }
    });
    assert!(matches!(session.await_promise(&pending), Err(Error::Dead(_))), "a wait begun after the end fails at once");
}
