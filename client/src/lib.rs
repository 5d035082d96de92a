//! `napi-client`: the client of a Node-API host, with no language binding in it. It starts a
//! host (`napi-hostd` as a process, or the host library on a thread of this process), links to
//! it, and checks everything the host sends before believing it. The Python extension
//! (`client-py`) is a binding on it; a Rust program (its tests, a platform checked under
//! emulation) uses it directly.
//!
//! Its modules, lowest first; each imports only lower ones (`tests/tools/test_crate_layering.py`).

/// Rust threads and the end of the program: the gate every thread of ours passes to block or
/// to call into the binding.
pub mod exit_gate;

/// The link to one host: starting and ending it, its rings and sockets, the channel every
/// calling thread waits on, what the client accepts from it, and shared memory.
pub mod link {
    pub mod channel;
    pub mod client_end;
    pub mod forks;
    pub mod host_exit;
    pub mod host_output;
    pub mod host_process;
    pub mod host_thread;
    pub mod inbound;
    pub mod lends;
    pub mod pending;
    pub mod shared_memory;
}

/// Starting a host and greeting it: what both modes answer is a channel to it.
pub mod start;

/// A session with one host for a program with no language binding, and the direct calls of
/// in-process hosts (`session::direct`), which a binding makes through it too.
pub mod session;

/// What a direct call is made of, and what its caller provides (in-process hosts): the host
/// library's types a binding names to make direct calls and to run the host's calls back
/// (`session::direct`), so that it need not depend on the host itself.
pub mod inprocess {
    pub use napi_host::caller::{Arg, ArgsStopped, Call, Caller, Direct, Served};
    pub use napi_host::event_calls::{EventCaller, EventCalls, Settlement};
    pub use napi_host::inline_python::{PythonArgs, PythonCallFailed, Refused};
    pub use napi_host::wire::{CopyInto, Stop};
}
