//! A request's result on its way out: the outcome it crosses as, and a direct call's answer,
//! thrown value or error walked straight to its caller.

use napi_protocol::{self as proto, ErrorInfo, Outcome};

use super::{Error, OpOutput, Walk};
use crate::turn::{set_outcome, Refused};
use crate::wire::{primitive, CopyInto, Looking, Stop, ToWire, TooLarge};
use crate::Host;
use napi_runtime::{JsString, Value};

impl Host {
    /// What a request's result crosses as; `direct`: see `dispatch`. Inlined for the commonest
    /// answer, a number, a boolean, undefined or null (no held objects needed); the others out
    /// of line.
    #[inline(always)]
    pub(super) fn outcome(&self, result: Result<OpOutput, Error>, direct: bool) -> Outcome {
        match result {
            Ok(OpOutput::Value(v)) => match plain(&v) {
                Some(p) => owned_nothing(v, p),
                None => self.outcome_other(Ok(OpOutput::Value(v)), direct),
            },
            other => self.outcome_other(other, direct),
        }
    }

    /// A call's result written over `out` as what it crosses as: `outcome` for a call's value,
    /// with no `OpOutput` made of it and a plain value written where it goes, and whether the
    /// answer goes straight to a direct caller (`copies_to_caller`) looked at only for an answer
    /// that is not plain.
    #[inline(always)]
    pub(super) fn call_outcome(&self, result: Result<Value, Error>, direct: bool, out: &mut Outcome) {
        match result {
            Ok(v) => match plain(&v) {
                Some(p) => set_outcome(out, owned_nothing(v, p)),
                None => set_outcome(out, self.outcome_other(Ok(OpOutput::Value(v)), direct && self.copies_to_caller())),
            },
            Err(e) => set_outcome(out, self.outcome_other(Err(e), direct && self.copies_to_caller())),
        }
    }

    #[inline(never)]
    fn outcome_other(&self, result: Result<OpOutput, Error>, direct: bool) -> Outcome {
        let rt = &self.rt;
        match result {
            Ok(answer) => {
                // A primitive needs nothing of the held objects (most answers of calls). A direct
                // caller makes its own object of a string's text.
                match &answer {
                    OpOutput::Value(Value::String(text)) if direct => {
                        self.to_caller_text(text);
                        return Outcome::Ok(proto::Value::Undefined);
                    }
                    OpOutput::Value(v) => {
                        if let Some(p) = primitive(v) {
                            return Outcome::Ok(p);
                        }
                    }
                    _ => {}
                }
                let mut w = ToWire::new(rt, &self.held, &self.python);
                let value = match answer {
                    OpOutput::Value(v) if direct => self.direct_answer(&mut w, &v),
                    OpOutput::Value(v) => w.value(&v),
                    OpOutput::Reference(id) => Ok(w.by_reference(id)),
                    OpOutput::Walk(walk) => self.walked_answer(&mut w, walk, direct),
                };
                match value {
                    Ok(v) => Outcome::Ok(v),
                    Err(too_large) => Outcome::Failed(too_large.into()),
                }
            }
            Err(Error::Failed(f)) => Outcome::Failed(f),
            Err(Error::Thrown(v)) if direct => self.direct_thrown(&v),
            Err(Error::Thrown(v)) => self.thrown(&v),
        }
    }

    /// A direct call's answer: a container or a string copied straight into its caller's
    /// objects, which it keeps; the value itself for anything else.
    fn direct_answer(&self, w: &mut ToWire<'_>, v: &Value) -> Result<proto::Value, TooLarge> {
        match w.value_or_copy(v, |copy| self.to_caller(copy)) {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Ok(proto::Value::Undefined),
            Err(stop) => taken_by_caller(stop),
        }
    }

    /// An answer its operation walks: in a direct request straight into its caller's objects,
    /// else into a protocol tree.
    #[cold]
    fn walked_answer(&self, w: &mut ToWire<'_>, walk: Walk, direct: bool) -> Result<proto::Value, TooLarge> {
        if !direct {
            return w.walked_tree(walk);
        }
        let mut walk = Some(walk);
        let walked = self.to_caller(&mut |sink| match walk.take() {
            Some(walk) => walk(w, sink),
            None => Ok(()),
        });
        walked.map_or_else(taken_by_caller, |()| Ok(proto::Value::Undefined))
    }

    /// What a direct call or request threw: a container that is no error (`throw [1, 2]`) or a
    /// string copied straight into its caller's objects, which raises it as thrown; an error
    /// with its code and properties copied so (`direct_error`); a Python exception as `thrown`
    /// makes it.
    #[cold]
    fn direct_thrown(&self, v: &Value) -> Outcome {
        match v {
            Value::Object(id) if self.python.borrow().exception_of(*id).is_some() => return self.thrown(v),
            Value::Object(_) if self.rt.is_error(v) => return self.direct_error(v),
            Value::Object(_) | Value::String(_) => {}
            _ => return self.thrown(v),
        }
        match self.direct_answer(&mut ToWire::new(&self.rt, &self.held, &self.python), v) {
            Ok(value) => Outcome::Thrown(Box::new(proto::Thrown { value, error: None, python: None })),
            Err(too_large) => Outcome::Failed(too_large.into()),
        }
    }

    /// A direct call's thrown error, described as `thrown` describes it but for its code and other
    /// own properties, walked straight into the caller's objects as `[[code], {properties}]` (an
    /// empty list for no code), which it raises the error with.
    #[cold]
    fn direct_error(&self, v: &Value) -> Outcome {
        let parts = self.error_parts(v);
        let mut w = ToWire::new(&self.rt, &self.held, &self.python);
        let walked = self.to_caller(&mut |sink| {
            sink.open_array(2).map_err(Stop::Sink)?;
            sink.open_array(usize::from(parts.code.is_some())).map_err(Stop::Sink)?;
            if let Some(code) = &parts.code {
                w.value_into(code, sink)?;
            }
            sink.open_object(parts.props.len()).map_err(Stop::Sink)?;
            for (k, val) in &parts.props {
                sink.key(k).map_err(Stop::Sink)?;
                w.value_into(val, sink)?;
            }
            Ok(())
        });
        let thrown = walked.map_or_else(taken_by_caller, |()| Ok(proto::Value::Undefined)).and_then(|_| w.value(v));
        match thrown {
            Ok(value) => {
                let error = ErrorInfo { name: parts.name, message: parts.message, code: None, props: Vec::new() };
                Outcome::Thrown(Box::new(proto::Thrown { value, error: Some(error), python: None }))
            }
            Err(too_large) => Outcome::Failed(too_large.into()),
        }
    }

    /// Hands `text` to the direct caller, which makes its own string of it.
    fn to_caller_text(&self, text: &JsString) {
        match text.as_str() {
            Some(t) => self.with_turn_caller(|caller| caller.take_text(t)),
            // Lone surrogates as U+FFFD, as everywhere text leaves the host.
            None => self.with_turn_caller(|caller| caller.take_text(&text.to_rust_string())),
        }
    }

    /// Hands `copy` the direct caller's sink, which makes its own objects of what it is given.
    fn to_caller(&self, copy: &mut CopyInto<'_, Refused>) -> Result<(), Stop<Refused>> {
        // A buffer reaches the client as it is made, ahead of the news a reply would follow.
        let news_first = |v: &proto::Value| self.share_news_before_buffer(v);
        self.with_turn_caller(|caller| caller.take_copy(&mut |sink| copy(&mut Looking { sink, before: news_first })))
    }
}

/// A plain value as it crosses: undefined, null, a boolean or a number.
#[inline(always)]
fn plain(v: &Value) -> Option<proto::Value> {
    Some(match *v {
        Value::Undefined => proto::Value::Undefined,
        Value::Null => proto::Value::Null,
        Value::Bool(b) => proto::Value::Bool(b),
        Value::Number(n) => proto::Value::Number(n),
        _ => return None,
    })
}

/// `p`, the plain outcome of `v`, which owns nothing: `v` is not dropped, since a value's drop
/// glue is a call with a match over every kind of value.
#[inline(always)]
fn owned_nothing(v: Value, p: proto::Value) -> Outcome {
    std::mem::forget(v);
    Outcome::Ok(p)
}

/// What a direct answer stands in for once its caller took it: the caller has the value, or the
/// exception it raises, so this answer is never seen; a value too large fails the request.
fn taken_by_caller(stop: Stop<Refused>) -> Result<proto::Value, TooLarge> {
    match stop {
        Stop::Sink(Refused) => Ok(proto::Value::Undefined),
        Stop::TooLarge => Err(TooLarge),
    }
}
