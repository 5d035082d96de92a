//! What a Promise object holds: its state and the reactions waiting for it to settle. A
//! reaction is either a JS handler (from `then`) or a notice to the client that a promise Python
//! waits on has settled. Settling promises and running their reactions is microtasks.rs.

use super::object_id::ObjectId;
use super::value::Value;

#[derive(Clone, Debug)]
pub enum PromiseState {
    Pending,
    Fulfilled(Value),
    Rejected(Value),
}

/// What to do when a promise settles one way.
#[derive(Clone, Debug)]
pub enum Handler {
    /// A JS function, or `undefined` to pass the value (or reason) through.
    Js(Value),
    /// Tell the client (subscription id): Python awaits this promise.
    Notify(u64),
}

#[derive(Clone, Debug)]
pub struct Reaction {
    pub on_fulfilled: Handler,
    pub on_rejected: Handler,
    /// The promise `then` returned, resolved with the handler's result.
    pub derived: Option<ObjectId>,
}

#[derive(Clone, Debug)]
pub struct PromiseData {
    pub state: PromiseState,
    pub reactions: Vec<Reaction>,
    /// Resolved with a thenable it now follows: later resolutions are ignored.
    pub locked: bool,
}

impl Reaction {
    pub fn values(&self) -> Vec<Value> {
        let mut v = Vec::new();
        for h in [&self.on_fulfilled, &self.on_rejected] {
            if let Handler::Js(f) = h {
                v.push(f.clone());
            }
        }
        v.extend(self.derived.map(Value::Object));
        v
    }
}

impl PromiseData {
    pub fn values(&self) -> Vec<Value> {
        let mut v: Vec<Value> = self.reactions.iter().flat_map(Reaction::values).collect();
        match &self.state {
            PromiseState::Fulfilled(x) | PromiseState::Rejected(x) => v.push(x.clone()),
            PromiseState::Pending => {}
        }
        v
    }
}
