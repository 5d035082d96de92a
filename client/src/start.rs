//! Starting a host and greeting it: `napi-hostd` as a process (isolated), or the host library
//! on a thread of this process (in-process, D32). What both answer is a `Channel` to the host;
//! the binding adds its own side (the event dispatcher, its tables) on top.

use std::sync::Arc;
use std::time::Duration;

use napi_host::inprocess::InProcess;

use crate::link::channel::{Channel, Dead};
use crate::link::client_end::ClientEnd;
use crate::link::host_process::{self, HostProcess, Sockets, Spawn};
use crate::link::host_thread::{self, News};
use crate::link::pending::Pending;
use crate::link::shared_memory::ClientShm;

/// Why a host could not be started.
#[derive(Debug)]
pub enum StartError {
    /// The host process, or the in-process host's thread and sockets, could not be made.
    Os(String),
    /// The host started but did not greet the client as this client's protocol expects.
    Greeting(Dead),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Os(message) => f.write_str(message),
            StartError::Greeting(dead) => f.write_str(&dead.message),
        }
    }
}

impl std::error::Error for StartError {}

/// Starts the host binary `what.program` and greets it. `timeout`: how long a call may wait
/// for the host before it is killed.
pub fn isolated(what: Spawn, timeout: Option<Duration>) -> Result<Arc<Channel>, StartError> {
    let program = what.program.clone();
    let (host, sockets) = host_process::spawn(what).map_err(|e| StartError::Os(format!("cannot start {program}: {e}")))?;
    greet(host, sockets, None, Arc::new(ClientShm::new(true)), Arc::default(), timeout)
}

/// Starts a host on a thread of this process and greets it. It takes no timeout, since nothing
/// can stop a thread that does not answer. The program must export the Node-API functions for
/// the addons it loads (the Python extension does, and so do this crate's tests: build.rs).
/// `js_thread_here`: the calling thread becomes the host's JS thread (`js_thread` in
/// napi-host's `inprocess`), the host thread only watching for the work that waits for it.
pub fn in_process(js_thread_here: bool) -> Result<Arc<Channel>, StartError> {
    host_thread::export_napi_symbols().map_err(StartError::Os)?;
    let failed = |e: std::io::Error| StartError::Os(format!("cannot start an in-process host: {e}"));
    let shm = Arc::new(ClientShm::new(false));
    let drops = Arc::new(Pending::default());
    let news = News { shm: shm.clone(), drops: drops.clone() };
    let shared = InProcess::new(Box::new(news)).map_err(failed)?;
    if js_thread_here {
        shared.make_this_the_js_thread();
    }
    let theirs = shared.clone();
    let (host, sockets) =
        host_process::start_thread(move |main, events, rings| host_thread::serve(main, events, rings, theirs)).map_err(failed)?;
    greet(host, sockets, Some(shared), shm, drops, None)
}

/// Greets a host just started: its channel, once the greeting came.
fn greet(
    host: HostProcess,
    sockets: Sockets,
    in_process: Option<Arc<InProcess>>,
    shm: Arc<ClientShm>,
    drops: Arc<Pending<(napi_protocol::PyRef, u64)>>,
    timeout: Option<Duration>,
) -> Result<Arc<Channel>, StartError> {
    let end = ClientEnd::new(sockets, in_process.clone());
    Channel::open(host, end, in_process, shm, drops, timeout).map_err(StartError::Greeting)
}
