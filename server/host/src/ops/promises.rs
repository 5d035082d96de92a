//! Promises Python settles, and promises Python waits for.

use napi_protocol as proto;

use crate::dispatch::{bad, Error, OpOutput};
use crate::wire::Stop;
use crate::Host;
use napi_runtime::Value;

impl Host {
    pub(crate) fn new_deferred(&self) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        use napi_runtime::references::Reference;
        let p = rt.new_promise();
        // A strong reference keeps the promise alive until the client settles it.
        let env = napi_runtime::EnvId(0);
        let id = rt.references_mut().create(Reference::new(env, Value::Object(p), 1));
        // `[promise, the deferred's id]`.
        Ok(OpOutput::Walk(Box::new(move |w, sink| {
            sink.leaves(vec![w.by_reference(p), proto::Value::Number(id as f64)]).map_err(Stop::Sink)
        })))
    }

    pub(crate) fn settle_deferred(&self, deferred: u64, fulfilled: bool, value: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let v = self.arg(value)?;
        let taken = rt.references_mut().delete(deferred as usize);
        let Some(napi_runtime::references::Reference { value: Value::Object(p), .. }) = taken else {
            return Err(bad("no such deferred promise (already settled?)"));
        };
        if fulfilled {
            rt.resolve_promise(p, v);
        } else {
            rt.reject_promise(p, v);
        }
        Ok(OpOutput::Value(Value::Undefined))
    }

    pub(crate) fn subscribe_op(&self, promise: &proto::Value, subscription: u64) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let p = self.object_arg(promise)?;
        if !rt.is_promise(&Value::Object(p)) {
            return Err(bad("only a promise can be subscribed to"));
        }
        self.subscribe(p, subscription);
        Ok(OpOutput::Value(Value::Undefined))
    }
}
