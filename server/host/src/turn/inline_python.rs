//! A Python call made inline, on the thread that holds the JS lock (a direct call's own thread,
//! or in-process the host thread in an event turn): its values are walked between the heap and
//! Python objects, and these say how the walks and the call can fail. What runs it is the
//! thread's caller (`caller::Caller`, `event_calls::EventCaller`).

use napi_protocol::value_tree::ValueSink;
use napi_protocol::{Failure, PyException};

use crate::wire::Stop;

/// Walks the arguments of a Python call into the caller's sink, `this` first if `with_this`.
pub type PythonArgs<'a> = dyn FnMut(bool, &mut dyn ValueSink<Error = Refused>) -> Result<(), Stop<Refused>> + 'a;

/// How an inline Python call failed.
pub enum PythonCallFailed {
    /// The function raised (or its arguments or result could not be converted in Python).
    Raised(PyException),
    /// The host refused a part of its result.
    Failed(Failure),
    /// Its arguments were more than `MAX_VALUES` values.
    TooLarge,
}

/// The caller refused a part of a value it was converting: it keeps the exception and raises it.
#[derive(Debug)]
pub struct Refused;
