//! Calls from the addon into Python, and what goes out to Python about exceptions and promises.

use std::cell::Cell;
use std::sync::MutexGuard;

use napi_protocol::quick::Received;
use napi_protocol::value_tree::ValueSink;
use napi_protocol::{ClientMessage, ErrorInfo, Outcome, PyException, PyRef, ServerMessage};
use napi_runtime::convert::ErrorKind;
use napi_runtime::property::{PropertyKey, Slot};
use napi_runtime::{JsResult, ObjectId, Runtime, Thrown, Value};

use crate::turn::{EventCaller, PythonArgs, PythonCallFailed, Refused, Settlement, Turn, TurnKind};
use crate::wire::{self, HeapBuilder, Looking, ToWire, TooLarge};
use crate::Host;

impl Host {
    /// Calls a Python function on the client: inline, on a direct call's own thread or on the
    /// in-process host thread in an event turn; otherwise by message, serving nested requests of
    /// the same chain until its answer arrives.
    pub(crate) fn call_python(&self, func: u64, this: Value, args: Vec<Value>) -> JsResult<Value> {
        let rt = &self.rt;
        let Some(turn) = self.turn() else {
            return Err(rt.error(ErrorKind::Error, "Python functions can only be called while Python is calling into the addon".into()));
        };
        if self.closed.get() {
            // Nothing is sent to a client that left: it reads no more, and a send to its full
            // event ring would block this thread until the watchdog ends the process, with
            // the addons' teardown not run (a threadsafe function draining its queue into
            // Python after the client closed from one of its callbacks did so).
            return Err(client_left(rt));
        }
        let func = PyRef(func);
        match turn.kind {
            TurnKind::Direct => {
                let caller = turn.caller().expect("a direct turn has its caller").caller;
                return self.call_python_inline(&this, &args, |args, heap| Some(caller.call_python(func, args, heap)));
            }
            TurnKind::Event => {
                if let Some(inline) = self.inline_event_call() {
                    return self.call_python_inline(&this, &args, |args, heap| inline.run(|caller| caller.call_python(func, args, heap)));
                }
            }
            TurnKind::Request => {}
        }
        let (this, args) = {
            // A value too large to copy (more than MAX_VALUES values) cannot reach Python: the
            // call throws a RangeError, as node throws one for what outgrows its heap limits.
            let mut values = ToWire::new(rt, &self.held, &self.python)
                .values(std::iter::once(&this).chain(&args))
                .map_err(|too_large| rt.error(ErrorKind::RangeError, too_large.message()))?;
            let this = values.remove(0);
            (this, values)
        };
        match self.call_python_by_message(turn.chain, turn.kind, func, this, args)? {
            Ok(v) => wire::from_wire(rt, &self.python, &v).map_err(|f| rt.error(ErrorKind::Error, f.message)),
            Err(e) => Err(self.python_exception(e)),
        }
    }

    /// A Python call made on this thread by `run`: a direct turn's caller, or the in-process
    /// host thread itself for an event turn. Its arguments are walked from the heap into Python
    /// objects and its result from its Python object into the heap, with no protocol value
    /// between. `run` answers `None` when the client is gone.
    fn call_python_inline(
        &self,
        this: &Value,
        args: &[Value],
        run: impl FnOnce(&mut PythonArgs<'_>, &mut HeapBuilder<'_>) -> Option<Result<(), PythonCallFailed>>,
    ) -> JsResult<Value> {
        let rt = &self.rt;
        // Python sees what the addon wrote to mirrored buffers, and the segments it may be given.
        self.share_news();
        let news_first = |v: &napi_protocol::Value| self.share_news_before_buffer(v);
        let mut w = ToWire::new(rt, &self.held, &self.python);
        let mut walk_args = |with_this: bool, sink: &mut dyn ValueSink<Error = Refused>| {
            let mut sink = Looking { sink, before: news_first };
            let this = with_this.then_some(this);
            this.into_iter().chain(args).try_for_each(|v| w.value_into(v, &mut sink))
        };
        // Kept in the current scope as it is made: Python code runs between the steps.
        let mut heap = HeapBuilder::new(rt, &self.python, true);
        let Some(called) = run(&mut walk_args, &mut heap) else {
            // As when the client hangs up: the calls still queued get napi's answers.
            self.client_gone();
            return Err(client_left(rt));
        };
        match called {
            Ok(()) => Ok(heap.finished.pop().unwrap_or(Value::Undefined)),
            Err(PythonCallFailed::Raised(e)) => Err(self.python_exception(e)),
            Err(PythonCallFailed::Failed(f)) => Err(rt.error(ErrorKind::Error, f.message)),
            // A value too large to copy (more than MAX_VALUES values) cannot reach Python: the
            // call throws a RangeError, as node throws one for what outgrows its heap limits.
            Err(PythonCallFailed::TooLarge) => Err(rt.error(ErrorKind::RangeError, TooLarge.message())),
        }
    }

    /// How an event turn's Python call (or settlement, or uncaught exception) runs on this
    /// thread, if it is the in-process host thread in an event turn and may (`event_calls`):
    /// nested in another such call, or with the dispatcher idle.
    fn inline_event_call(&self) -> Option<InlineEventCall<'_>> {
        let shared = self.in_process.as_ref().filter(|s| s.on_host_thread())?;
        // Not inside a relayed call (an event turn its reply's linger runs): its caller may be
        // waiting with the GIL, and the call's Python calls are made through it, on its thread.
        if self.relayed_calls.get() > 0 {
            return None;
        }
        if self.turn().is_none_or(|turn| turn.kind != TurnKind::Event) {
            return None;
        }
        let calls = shared.event_calls();
        let (held, caller) = if self.inline_event_calls.get() > 0 {
            (None, calls.caller()?)
        } else {
            let (held, caller) = calls.inline()?;
            (Some(held), caller)
        };
        Some(InlineEventCall { depth: &self.inline_event_calls, caller, _held: held })
    }

    /// Sends `CallPython` (on the event ring for an event turn) and waits for its answer,
    /// serving nested requests of `chain` meanwhile and queueing other chains' requests.
    fn call_python_by_message(
        &self,
        chain: napi_protocol::ChainId,
        kind: TurnKind,
        func: PyRef,
        this: napi_protocol::Value,
        args: Vec<napi_protocol::Value>,
    ) -> JsResult<Result<napi_protocol::Value, PyException>> {
        let call = self.next_call.get();
        self.next_call.set(call + 1);
        let msg = ServerMessage::CallPython { call, chain, func, this, args };
        if kind == TurnKind::Event {
            self.send_event(msg);
        } else {
            self.send(msg);
        }
        loop {
            if self.closed.get() {
                return Err(client_left(&self.rt));
            }
            match self.recv() {
                Ok(Received::Message(ClientMessage::CallbackResult { call: c, result })) if c == call => return Ok(result),
                Ok(Received::Message(ClientMessage::CallbackResult { call: c, .. })) => {
                    tracing::warn!(call = c, "answer to a Python call nobody waits for")
                }
                Ok(Received::Message(ClientMessage::Request(req))) if req.chain == chain => self.serve_request(&req),
                Ok(Received::Message(ClientMessage::Request(req))) => self.backlog.borrow_mut().push_back(req),
                Ok(Received::Call(c)) if c.chain == chain => self.serve_quick(&c),
                Ok(Received::Call(c)) => self.backlog.borrow_mut().push_back(c.to_request()),
                Ok(_) => tracing::warn!("unknown message"),
                Err(_) => self.client_gone(),
            }
        }
    }

    /// A JS `Error` standing for a Python exception: message "TypeName: text", remembered so the
    /// very exception comes back if the addon lets it propagate or returns it. The same exception
    /// raised again is the same error.
    fn python_exception(&self, e: PyException) -> Thrown {
        let message = || if e.message.is_empty() { e.type_name.clone() } else { format!("{}: {}", e.type_name, e.message) };
        Thrown(Value::Object(self.python.borrow_mut().raised(&self.rt, e.exception.0, message)))
    }

    /// An exception nothing caught: the client reports it (Python's unraisable-exception way):
    /// on this thread if it may run the event turn's Python calls itself, else by message.
    pub(crate) fn uncaught(&self, value: &Value) {
        if self.closed.get() {
            // Nobody to tell: the client left, and the error is the consequence of that.
            tracing::debug!("uncaught exception after the client left: {}", self.rt.describe_thrown(value));
            return;
        }
        let thrown = match self.thrown(value) {
            Outcome::Thrown(t) => t,
            // Too deep to copy: the client hears of it as an error saying so.
            Outcome::Failed(f) => {
                let error = Value::Object(self.rt.new_error(ErrorKind::RangeError, f.message.as_str().into(), None));
                let Outcome::Thrown(t) = self.thrown(&error) else { return };
                t
            }
            _ => return,
        };
        match self.inline_event_call() {
            Some(inline) => self.deliver_inline(inline, |caller| caller.uncaught(thrown)),
            None => self.send_event(ServerMessage::Uncaught(thrown)),
        }
    }

    /// Registers the client's interest in a promise: its settlement is sent as `Settled`.
    pub(crate) fn subscribe(&self, promise: ObjectId, subscription: u64) {
        use napi_runtime::promise::{Handler, Reaction};
        let reaction = Reaction { on_fulfilled: Handler::Notify(subscription), on_rejected: Handler::Notify(subscription), derived: None };
        self.rt.add_reaction(promise, reaction);
    }

    /// A promise the client subscribed to settled: the client settles its side on this thread if
    /// it may run the event turn's Python calls itself (the value walked into Python objects),
    /// else by message.
    pub(crate) fn settled(&self, subscription: u64, fulfilled: bool, value: Value) {
        let mut outcome = || {
            if fulfilled {
                match ToWire::new(&self.rt, &self.held, &self.python).value(&value) {
                    Ok(v) => Outcome::Ok(v),
                    Err(too_large) => Outcome::Failed(too_large.into()),
                }
            } else {
                self.thrown(&value)
            }
        };
        let news_first = |v: &napi_protocol::Value| self.share_news_before_buffer(v);
        let mut w = ToWire::new(&self.rt, &self.held, &self.python);
        let mut walk = |sink: &mut dyn ValueSink<Error = Refused>| w.value_into(&value, &mut Looking { sink, before: news_first });
        if self.replying_to.get() == Some(subscription) {
            // Settled while the reply that makes its promise waits: taken by the direct caller
            // that waits for that reply (this turn's), or kept for it with the reply, or else
            // sent ahead of the reply, on the same stream and in the same write.
            let turn = self.turn();
            if let Some(direct) = turn.as_ref().and_then(Turn::caller).filter(|d| d.request == subscription) {
                let settlement = Settlement { subscription, fulfilled, walk: &mut walk, outcome: &mut outcome };
                if !direct.caller.settled_early(settlement) {
                    self.share_news();
                    direct.keep(ServerMessage::Settled { subscription, outcome: outcome() });
                }
                return;
            }
            self.send_later(ServerMessage::Settled { subscription, outcome: outcome() });
            return;
        }
        let inline = if self.closed.get() { None } else { self.inline_event_call() };
        let Some(inline) = inline else {
            self.send_event(ServerMessage::Settled { subscription, outcome: outcome() });
            return;
        };
        let settlement = Settlement { subscription, fulfilled, walk: &mut walk, outcome: &mut outcome };
        self.deliver_inline(inline, |caller| caller.settled(settlement));
    }

    /// Delivers on this thread what an event turn would send the client's dispatcher, Python
    /// seeing the addon's news first; `deliver` answers `None` when the client is gone.
    fn deliver_inline(&self, inline: InlineEventCall<'_>, deliver: impl FnOnce(&dyn EventCaller) -> Option<()>) {
        self.share_news();
        if inline.run(deliver).is_none() {
            self.client_gone();
        }
    }

    /// The outcome for a thrown JS value: the value itself plus what Python needs to build an
    /// exception (and the original Python exception, when that is what it is).
    pub(crate) fn thrown(&self, v: &Value) -> Outcome {
        let rt = &self.rt;
        let python = match v {
            Value::Object(id) => self.python.borrow().exception_of(*id).map(PyRef),
            _ => None,
        };
        let thrown = (|| -> Result<_, TooLarge> {
            let error = rt.is_error(v).then(|| self.error_info(v)).transpose()?;
            let value = ToWire::new(rt, &self.held, &self.python).value(v)?;
            Ok(napi_protocol::Thrown { value, error, python })
        })();
        match thrown {
            Ok(t) => Outcome::Thrown(Box::new(t)),
            Err(too_large) => Outcome::Failed(too_large.into()),
        }
    }

    /// The name, message, code and other own enumerable properties of the error `v`.
    fn error_info(&self, v: &Value) -> Result<ErrorInfo, TooLarge> {
        let parts = self.error_parts(v);
        let mut w = ToWire::new(&self.rt, &self.held, &self.python);
        let mut values = w.values(parts.code.iter().chain(parts.props.iter().map(|(_, val)| val)))?.into_iter();
        let code = parts.code.as_ref().and_then(|_| values.next());
        let props = parts.props.into_iter().map(|(k, _)| k).zip(values).collect();
        Ok(ErrorInfo { name: parts.name, message: parts.message, code, props })
    }

    /// What describes the error `v`, its code and other own properties as the heap has them.
    pub(crate) fn error_parts(&self, v: &Value) -> ErrorParts {
        let rt = &self.rt;
        let text = |k: &str| match rt.get_named(v, k) {
            Ok(Value::String(s)) => s.to_rust_string(),
            _ => String::new(),
        };
        let Value::Object(id) = v else { unreachable!("errors are objects") };
        let mut code = None;
        let mut props = Vec::new();
        for k in rt.own_keys(*id).unwrap_or_default() {
            let Some(p) = rt.get_own_property(*id, &k).ok().flatten() else { continue };
            let name = match &k {
                PropertyKey::String(s) => s.to_rust_string(),
                PropertyKey::Index(i) => i.to_string(),
                _ => continue,
            };
            match p.slot {
                Slot::Data(val) if name == "code" => code = Some(val),
                Slot::Data(val) if p.enumerable && name != "message" => props.push((name, val)),
                _ => {}
            }
        }
        ErrorParts { name: text("name"), message: text("message"), code, props }
    }
}

/// What describes a JS error for Python: its name and message, its `code` (an own property,
/// enumerable or not) and its other own enumerable properties but `message`, as the heap has them.
pub(crate) struct ErrorParts {
    pub name: String,
    pub message: String,
    pub code: Option<Value>,
    pub props: Vec<(String, Value)>,
}

/// An event turn's Python call made on the in-process host thread, the dispatcher held off.
struct InlineEventCall<'a> {
    /// How many such calls this thread is inside: a nested one needs no second hold.
    depth: &'a Cell<u32>,
    caller: &'a dyn EventCaller,
    _held: Option<MutexGuard<'a, ()>>,
}

impl InlineEventCall<'_> {
    /// Runs `deliver` with the caller, counted as inside such a call however it ends.
    fn run<R>(self, deliver: impl FnOnce(&dyn EventCaller) -> R) -> R {
        /// Counts the call out however it ends.
        struct Inside<'a>(&'a Cell<u32>);
        impl Drop for Inside<'_> {
            fn drop(&mut self) {
                self.0.set(self.0.get() - 1);
            }
        }
        self.depth.set(self.depth.get() + 1);
        let _inside = Inside(self.depth);
        deliver(self.caller)
    }
}

/// What a call of a Python function throws once the client has left.
fn client_left(rt: &Runtime) -> Thrown {
    rt.error(ErrorKind::Error, "the Python client went away".into())
}
