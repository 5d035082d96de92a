//! Values the host sent, and the host objects they hold. The host counts each reference it
//! sends (`Value::Js`, or a buffer's object in `Value::Shared`) as one hold on the object; a
//! `HostValue` gives its holds back when it is dropped, as the Python binding's proxies do when
//! they die: a program that runs for long does not keep every object it ever received alive
//! until the host closes. The releases go with the session's next request.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use napi_protocol::value_tree::{walk, Step};
use napi_protocol::{Outcome, Value};

use crate::link::channel::Channel;

/// A value the host sent, holding the host objects it names until it is dropped. A clone of
/// the value (`HostValue::value().clone()`) names them only while the `HostValue` lives.
pub struct HostValue {
    value: Value,
    channel: Arc<Channel>,
}

impl HostValue {
    pub(super) fn new(value: Value, channel: &Arc<Channel>) -> HostValue {
        HostValue { value, channel: channel.clone() }
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The value, its host objects held until the host closes (nothing releases them).
    pub fn into_value(mut self) -> Value {
        std::mem::replace(&mut self.value, Value::Undefined)
    }
}

impl Deref for HostValue {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.value
    }
}

impl Drop for HostValue {
    fn drop(&mut self) {
        release(&self.value, &self.channel);
    }
}

impl fmt::Debug for HostValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl PartialEq<Value> for HostValue {
    fn eq(&self, other: &Value) -> bool {
        self.value == *other
    }
}

/// Gives back the holds of every host object `value` names, at any depth.
pub(super) fn release(value: &Value, channel: &Channel) {
    let _ = walk(value, |step| {
        match step {
            Step::Leaf(Value::Js(r)) => channel.queue_release(r.id),
            Step::Leaf(Value::Shared { object, .. }) => channel.queue_release(*object),
            _ => {}
        }
        Ok::<(), ()>(())
    });
}

/// Gives back the holds of an outcome nobody takes (the reply of a request whose waiter gave
/// up, a settlement nobody waits for).
pub(super) fn release_outcome(outcome: &Outcome, channel: &Channel) {
    match outcome {
        Outcome::Ok(value) => release(value, channel),
        Outcome::Thrown(thrown) => release(&thrown.value, channel),
        _ => {}
    }
}
