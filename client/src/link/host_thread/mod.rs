//! In-process hosts (`isolated=False`, D32): the host runtime of `napi-hostd` (the `napi_host`
//! library, linked into this extension) serves on a thread of the Python process, over the same
//! rings and sockets as a `napi-hostd`, and Python threads serve their own requests on it while
//! they hold its JS lock (`calls/direct_calls.rs`). What the binary adds around the host as a
//! process (sandbox, watchdog, killing its descendants, its exit status) has no meaning for a
//! thread and is left out. The Python calls of the host thread's own event turns are
//! `events/handling.rs`'s.

use std::sync::{Arc, Once};

use napi_host::inprocess::InProcess;
use napi_host::{Host, NewsSink, Stop};
use napi_link::shm::{OwnedDescriptor, Rings};
use napi_link::streams::Connection;
use napi_protocol::{PyRef, Region};

use crate::link::pending::Pending;
use crate::link::shared_memory::{ClientShm, Stream};

#[cfg(any(windows, test))]
mod export_directory;
#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::export_napi_symbols;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::export_napi_symbols;

/// Runs a host on this thread until the client hangs up, then tears its addons down (cleanup
/// hooks, finalizers, instance data; newest first). Answers the wait status `napi-hostd` would
/// have exited with, for crash reports.
pub fn serve(main: Connection, events: Connection, rings: Rings, shared: Arc<InProcess>) -> i32 {
    // The host's log, as `napi-hostd` writes it (see napi_host::logging): the process's, since
    // direct calls run host code on Python's threads too. Nothing else here logs.
    static LOG: Once = Once::new();
    LOG.call_once(|| {
        let _ = tracing::dispatcher::set_global_default(napi_host::logging::dispatch());
    });
    let host = Host::in_process(main, events, &rings, shared);
    let stop = host.serve(Vec::new());
    host.shutdown();
    match stop {
        Stop::Closed => 0,
        Stop::Protocol(e) => {
            eprintln!("napi_python: the in-process host met a protocol error: {e}");
            3 << 8
        }
    }
}

/// Where an in-process host's news go: straight into the client's tables (one address space).
pub struct News {
    pub shm: Arc<ClientShm>,
    pub drops: Arc<Pending<(PyRef, u64)>>,
}

impl NewsSink for News {
    fn segment(&self, id: u32, size: u64, fd: OwnedDescriptor) {
        if let Err(e) = self.shm.host_segment(id, size, fd, Stream::Main) {
            tracing::warn!(id, "the in-process host's segment: {e}");
        }
    }

    fn segment_retired(&self, id: u32) {
        if let Err(e) = self.shm.host_retired(id) {
            tracing::warn!(id, "the in-process host's segment: {e}");
        }
    }

    fn returned(&self, blocks: Vec<Region>) {
        if let Err(e) = self.shm.returned(blocks) {
            tracing::warn!("the in-process host's returned blocks: {e}");
        }
    }

    fn drop_python(&self, objects: Vec<(PyRef, u64)>) {
        self.drops.extend(objects);
    }
}
