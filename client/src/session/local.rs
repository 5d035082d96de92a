//! The program's own objects, which the host calls back (a function passed as an argument, a
//! threadsafe function's target): a binding registers them, and answers their calls, through
//! `LocalObjects`. A request a local call makes goes on the chain of the request that caused the
//! call (`chains.rs`).

use napi_protocol::{PyRef, Thrown, Value};

use super::{HostValue, Session};

/// An error a local object raised, sent to the host as the exception the addon sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalError {
    /// The exception's type name (JS sees it as the error's name).
    pub type_name: String,
    pub message: String,
}

/// What the program's own objects do when the host calls them.
pub trait LocalObjects: Send + Sync {
    /// Calls local function `func` with `this` and `args`, which hold the host objects they name
    /// for as long as the program keeps them. Requests made through `session` during the call
    /// go on the calling request's chain.
    fn call(&self, session: &Session, func: PyRef, this: HostValue, args: Vec<HostValue>) -> Result<Value, LocalError>;

    /// The host let go of these objects, each with how many times it had received it: answers
    /// the ones the program forgets (not sent again since), which the host may then forget too.
    fn dropped(&self, objects: Vec<(PyRef, u64)>) -> Vec<PyRef> {
        objects.into_iter().map(|(id, _)| id).collect()
    }

    /// An exception nothing in the host caught (an event's callback threw).
    fn uncaught(&self, _thrown: &Thrown) {}
}

/// The local objects of a session that has none: every call is refused.
pub struct NoLocalObjects;

impl LocalObjects for NoLocalObjects {
    fn call(&self, _: &Session, func: PyRef, _: HostValue, _: Vec<HostValue>) -> Result<Value, LocalError> {
        Err(LocalError { type_name: "TypeError".into(), message: format!("this session has no local object {}", func.0) })
    }
}
