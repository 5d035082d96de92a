//! How a request reaches its host: the one place that chooses between the two ways.
//!
//! - **Isolated** (`napi-hostd`, another process): over the shared-memory rings (D34), the
//!   caller waiting on `Channel` for its reply and running the Python calls of its chain.
//! - **In-process**: on the caller's own thread, under the host's JS lock, Python calls inline
//!   (`crate::direct`); over the same rings to the host thread only where that thread must serve
//!   it: once a library with thread-local storage is loaded (and for that load), and for requests
//!   made from a Python call that came by message (the JS lock's holder waits on the rings for
//!   their answer and serves their chain there).

use napi_host::inprocess::InProcess;

use crate::channel::Channel;

/// How a Python call reached this thread, and so how the requests it makes go.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// By message: the host waits on its link for the answer, serving the chain's requests.
    Message,
    /// Inline, inside a direct call that holds the JS lock on this thread.
    Inline,
}

/// The in-process host a request made now on this thread may be served by on this thread:
/// `None` for an isolated host, and for a request made from a Python call that came by message
/// (`from`), whose host waits on the rings for it. The caller then asks the host whether the
/// operation may run here (`InProcess::takes_directly`; a call always may, until the host's
/// calls came to stay on its thread).
pub fn here(channel: &Channel, from: Option<Route>) -> Option<&InProcess> {
    let shared = channel.in_process()?;
    (from != Some(Route::Message)).then_some(&**shared)
}
