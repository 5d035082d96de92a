//! What a runtime keeps of its asynchronous work (`async_work.rs`), contexts and callback scopes
//! (`async_context.rs`): the tables the Node-API layer holds per runtime (`layer.rs`).

use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::{Arc, Mutex};

use napi_runtime::events::EventQueue;
use napi_runtime::EnvId;

use super::types::*;

type Execute = unsafe extern "C" fn(napi_env, *mut c_void);
type Complete = unsafe extern "C" fn(napi_env, napi_status, *mut c_void);

/// Where a work item is. Transitions are one-way except that finished work (`Completed`) may be
/// queued again, as with libuv's `uv_queue_work` on a finished request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WorkState {
    /// Made by `napi_create_async_work`, never queued.
    Created,
    /// In the pool's queue, waiting for a worker.
    Queued,
    /// `execute` is running on a worker.
    Running,
    /// `execute` returned; the completion (`napi_ok`) is posted to the JS thread.
    Executed,
    /// Cancelled while queued; the completion (`napi_cancelled`) is posted to the JS thread.
    Cancelled,
    /// `complete` ran (or there was none): nothing more happens unless it is queued again.
    Completed,
    /// Deleted while queued: taken out before it ran, and no completion will come.
    Dropped,
}

/// A work item of `napi_create_async_work`.
pub(crate) struct Work {
    pub(crate) env: usize,
    pub(crate) env_id: EnvId,
    pub(crate) execute: Execute,
    pub(crate) complete: Option<Complete>,
    pub(crate) data: usize,
    pub(crate) events: Arc<EventQueue>,
    pub(crate) state: Mutex<WorkState>,
    /// `napi_delete_async_work` was called: the handle is gone and `complete` must not run.
    pub(crate) deleted: std::sync::atomic::AtomicBool,
}

/// What a runtime keeps of its async work, contexts and callback scopes. It belongs to the
/// runtime, not to a thread: an in-process host's calls may run on the calling Python thread
/// while it holds the JS lock, and the handles it made there are used on the host thread.
#[derive(Default)]
pub struct AsyncTables {
    /// Work items by handle (handles are never reused).
    pub(crate) works: HashMap<usize, Arc<Work>>,
    /// Work items queued but not yet completed, per env: teardown waits for them (Node's
    /// `RunCleanup` spins the loop while requests are pending).
    pub(crate) in_flight: HashMap<EnvId, usize>,
    pub(crate) next_handle: usize,
    /// Live `napi_async_context` handles (no async_hooks: there is nothing else to keep).
    pub(crate) contexts: HashMap<usize, EnvId>,
    /// Open callback scopes per env, and the live scope handles.
    pub(crate) scopes: HashMap<EnvId, Vec<usize>>,
}
