//! The Node-API layer as the runtime below it sees it ([`napi_runtime::Native`]): how an addon's
//! callbacks and finalizers are called, and the state this layer keeps per runtime.

use std::cell::RefCell;
use std::rc::Rc;

use napi_runtime::native::{Finalize, NativeCall};
use napi_runtime::{EnvId, JsResult, Native, NativeFn, Runtime, Value};

use crate::async_tables::AsyncTables;

/// This layer's part of a runtime.
#[derive(Default)]
struct NapiLayer {
    /// Async work items, async contexts and callback scopes by handle.
    async_tables: RefCell<AsyncTables>,
}

impl Native for NapiLayer {
    fn invoke(&self, rt: &Runtime, call: NativeCall) -> JsResult<Value> {
        crate::callback::invoke(rt, call)
    }

    fn finalize(&self, rt: &Runtime, env: EnvId, cb: NativeFn<Finalize>, data: usize, hint: usize) {
        crate::callback::finalize(rt, env, cb, data, hint)
    }
}

/// A new runtime whose native code is Node-API addons'.
pub fn new_runtime() -> Rc<Runtime> {
    Runtime::new(Box::new(NapiLayer::default()))
}

/// [`new_runtime`] whose "anything pending" word is `pending` (an in-process client's side
/// sets it too) and whose event queue is `events` (`Runtime::flagging`).
pub fn new_runtime_flagging(
    pending: std::sync::Arc<napi_runtime::pending::PendingWork>,
    events: std::sync::Arc<napi_runtime::events::EventQueue>,
) -> Rc<Runtime> {
    Runtime::flagging(Box::new(NapiLayer::default()), pending, events)
}

/// The async-work tables of `rt`, a runtime made by [`new_runtime`].
pub fn async_tables(rt: &Runtime) -> &RefCell<AsyncTables> {
    let layer: &dyn std::any::Any = rt.native();
    &layer.downcast_ref::<NapiLayer>().expect("a runtime made by napi_functions::layer::new_runtime").async_tables
}
