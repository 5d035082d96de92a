//! The serving loop of an in-process host whose JS thread is the thread that started it
//! (`inprocess::js_thread`): the host thread only watches for work and files it, and the JS thread
//! runs it when it comes by.

use napi_protocol::quick::Received;
use napi_protocol::{ClientMessage, Failure, FailureKind, Outcome, ServerMessage};
use napi_runtime::Runtime;

use crate::{Host, Stop};

impl Host {
    /// The host thread of a host whose JS thread is its starter's: reads what the client sends
    /// (requests wait in the backlog for the JS thread; a hang-up ends the host) and tells the JS
    /// thread when work waits for it, running none itself.
    pub(super) fn watch_for_js_thread(&self) -> Stop {
        let shared = self.in_process.as_deref().expect("an in-process host");
        loop {
            self.take_in_client_news();
            while self.conn.borrow_mut().ready() {
                let request = match self.recv_work() {
                    Ok(Some(Received::Call(call))) => call.to_request(),
                    Ok(Some(Received::Message(ClientMessage::Request(req)))) => req,
                    Ok(_) => continue,
                    Err(stop) => return stop,
                };
                self.backlog.borrow_mut().push_back(request);
            }
            if self.closed.get() {
                return Stop::Closed;
            }
            if shared.js_thread_has_ended() {
                self.refuse_backlog();
                self.answer_subscriptions();
                shared.watch(false, self.rt.events(), self.uv.io_signal(), None);
                continue;
            }
            let due = !self.backlog.borrow().is_empty() || !self.rt.events().is_empty() || self.uv.needs_turn();
            let deadline = if due { None } else { self.uv.deadline() };
            shared.watch(due, self.rt.events(), self.uv.io_signal(), deadline);
        }
    }

    /// The JS thread ended without closing the host: the requests waiting for it are answered
    /// with a failure, running no JS (`reply` would run the microtasks).
    fn refuse_backlog(&self) {
        loop {
            let waiting = self.backlog.borrow_mut().pop_front();
            let Some(req) = waiting else { return };
            self.send(ServerMessage::Reply { id: req.id, chain: req.chain, outcome: Outcome::Failed(js_thread_ended()) });
        }
    }

    /// The JS thread ended without closing the host: the promises Python waits on will never
    /// settle, as nothing runs their work, and each subscription is answered so (a settlement
    /// already queued is delivered as it came). Once: no JS runs after the end, so none
    /// subscribes again.
    fn answer_subscriptions(&self) {
        if self.subscriptions_answered.replace(true) {
            return;
        }
        let notices = self.rt.take_notices();
        for (subscription, fulfilled, value) in notices.settled {
            self.settled(subscription, fulfilled, value);
        }
        for subscription in notices.pending {
            let outcome = Outcome::Failed(js_thread_ended());
            self.send_event(ServerMessage::Settled { subscription, outcome });
        }
    }

    /// The JS thread's round of what waited for it, under the JS lock: the requests by message
    /// and the tasks other threads posted, each followed by its promise jobs, until none is
    /// left, and one turn of the loop if it has a due timer or ready I/O (one: a descriptor
    /// nobody reads stays ready), then what that turn posted.
    pub(crate) fn run_for_js_thread(&self) {
        let _current = Runtime::enter(&self.rt);
        let mut turned = false;
        loop {
            self.take_in_client_news();
            let waiting = self.backlog.borrow_mut().pop_front();
            if let Some(req) = waiting {
                self.serve_request(&req);
                continue;
            }
            if !self.rt.events().is_empty() {
                self.run_events();
                continue;
            }
            if !turned && (self.uv.needs_turn() || self.uv.has_io()) {
                turned = true;
                self.run_loop_turn();
                continue;
            }
            break;
        }
    }
}

/// Why a call or a promise of a host whose JS thread ended fails.
fn js_thread_ended() -> Failure {
    Failure {
        kind: FailureKind::JsThreadEnded,
        message: "this in-process host's JS thread (the thread that made it, js_thread=\"current\") has ended without \
                  closing it, so nothing can run its calls: close() the host before its thread ends, or make a host per \
                  thread"
            .into(),
    }
}
