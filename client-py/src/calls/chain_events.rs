//! What the host sends on a chain, served on the current thread for Python (the core's
//! `Serve`): a Python call of the chain, a promise's settlement, an uncaught exception. The
//! thread is the event dispatcher's, or a request's that waits for its reply and meets them
//! (a Python call of its chain; on the event chain, when made from inside an event callback,
//! the events; a settlement ahead of the reply that makes its promise).

use napi_client::session::exchange::Serve;
use napi_protocol::{ChainId, Outcome, PyException, PyRef, Thrown, Value};
use pyo3::prelude::*;

use crate::calls::answers::protocol_broken;
use crate::calls::python_calls;
use crate::state::subscriptions;
use crate::values::from_python::Converter;

/// A connection's chain served for Python, by the converter `0`.
pub struct ChainServer<'c, 'a, 'py>(pub &'c Converter<'a, 'py>);

impl Serve for ChainServer<'_, '_, '_> {
    type Error = PyErr;

    fn call(&self, chain: ChainId, func: PyRef, this: Value, args: Vec<Value>) -> Result<Value, PyException> {
        python_calls::run_by_message(self.0, chain, func, this, args)
    }

    fn settled(&self, subscription: u64, outcome: Outcome) -> PyResult<()> {
        let (cx, conn) = (self.0, self.0.conn.get());
        subscriptions::settled(&conn.subscriptions, cx.py, subscription, outcome, &|o| cx.settlement(o))
            .unwrap_or_else(|v| Err(protocol_broken(&conn.channel, cx.py, v)))
    }

    fn uncaught(&self, thrown: Box<Thrown>) -> PyResult<()> {
        report_uncaught(self.0, thrown)
    }
}

/// Hands an exception nothing caught to the uncaught hook, with the connection it came from
/// (which the package's default hook ends, as node ends its process).
pub fn report_uncaught(cx: &Converter<'_, '_>, thrown: Box<Thrown>) -> PyResult<()> {
    let exc = match cx.outcome(Outcome::Thrown(thrown)) {
        Ok(v) => v,
        Err(e) => e.into_value(cx.py).into_any(),
    };
    cx.hooks.uncaught.bind(cx.py).call1((exc, cx.conn))?;
    Ok(())
}
