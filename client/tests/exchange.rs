//! The core's request exchange driven by a caller of its own, as a language binding drives it
//! (`session::exchange`): it hears when each request begins and ends, runs the host's calls of
//! the request's chain and has their answers sent, and makes the reply its answer, in both
//! modes; a host that dies ends the exchange with the caller's error, its end still heard.

mod common;

use std::sync::{Arc, Mutex};

use napi_client::link::channel::{Channel, Dead};
use napi_client::session::exchange::{exchange, new_request, Exchange, Serve};
use napi_client::session::{NoLocalObjects, Session};
use napi_protocol::{ChainId, Op, Outcome, PyException, PyRef, RequestId, Thrown, Value};

use common::{addon, both, isolated};

/// A caller that writes down what the exchange asks of it, and answers each host call with 7.
#[derive(Default)]
struct Recorder {
    log: Mutex<Vec<String>>,
}

impl Recorder {
    fn note(&self, what: String) {
        self.log.lock().unwrap().push(what);
    }

    fn log(&self) -> Vec<String> {
        std::mem::take(&mut self.log.lock().unwrap())
    }
}

impl Serve for Recorder {
    type Error = String;

    fn call(&self, chain: ChainId, func: PyRef, _: Value, _: Vec<Value>) -> Result<Value, PyException> {
        self.note(format!("call {} on chain {chain}", func.0));
        Ok(Value::Number(7.0))
    }

    fn settled(&self, subscription: u64, _: Outcome) -> Result<(), String> {
        self.note(format!("settled {subscription}"));
        Ok(())
    }

    fn uncaught(&self, _: Box<Thrown>) -> Result<(), String> {
        self.note("uncaught".into());
        Ok(())
    }
}

impl Exchange for Recorder {
    type Answer = Outcome;

    fn reply(&self, id: RequestId, outcome: Outcome) -> Result<Outcome, String> {
        self.note(format!("reply {id}"));
        Ok(outcome)
    }

    fn dead(&self, dead: &Arc<Dead>) -> String {
        format!("dead: {:?}", dead.kind)
    }

    fn exiting(&self) -> String {
        "exiting".into()
    }

    fn began(&self, id: RequestId) {
        self.note(format!("began {id}"));
    }

    fn ended(&self, id: RequestId) {
        self.note(format!("ended {id}"));
    }
}

/// `func(...args)` as a top-level request of its own chain, through `exchange`.
fn call_through(channel: &Channel, recorder: &Recorder, func: &Value, args: Vec<Value>) -> (RequestId, Result<Outcome, String>) {
    let op = Op::Call { func: func.clone(), this: Value::Undefined, args };
    let request = new_request(channel, channel.next_id(), None, op);
    (request.id, exchange(channel, recorder, request, true))
}

#[test]
fn the_exchange_runs_the_chains_calls_and_answers_with_the_reply() {
    both(|session| {
        let addon = session.load(&addon("functions")).unwrap();
        let call = addon.property("call").unwrap();
        let f = session.new_local();
        let recorder = Recorder::default();
        // call(fn, this) -> fn.call(this): the host calls f on the request's chain, and answers
        // with what f answered.
        let (id, answer) = call_through(session.channel(), &recorder, call, vec![Value::Py { id: f, callable: true }, Value::Undefined]);
        assert!(matches!(answer, Ok(Outcome::Ok(Value::Number(n))) if n == 7.0), "{answer:?}");
        assert_eq!(
            recorder.log(),
            [format!("began {id}"), format!("call {} on chain {id}", f.0), format!("reply {id}"), format!("ended {id}")]
        );
    });
}

#[test]
fn a_host_that_dies_ends_the_exchange_with_the_callers_error() {
    let session: Session = isolated(Arc::new(NoLocalObjects));
    let addon = session.load(&addon("faults")).unwrap();
    let recorder = Recorder::default();
    let (id, answer) = call_through(session.channel(), &recorder, addon.property("segfault").unwrap(), Vec::new());
    assert_eq!(answer.unwrap_err(), "dead: Crashed");
    assert_eq!(recorder.log(), [format!("began {id}"), format!("ended {id}")], "the end of a request that got no reply is heard");
}
