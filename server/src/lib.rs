//! napi-hostd: a Node-API host without a JavaScript engine.
//!
//! - [`runtime`]: the value heap and JavaScript semantics, safe Rust with id-checked handles.
//! - [`napi`]: the Node-API C functions an addon calls (all the `extern "C"` code).
//! - [`host`]: the daemon side: serving client requests on the JS thread.
//! - [`process_tree`]: the processes below a process (teardown, and the client's kills).
//! - [`logging`]: where the host's log goes; [`sync`]: locking its own mutexes; [`recent`]: a
//!   cache of recently seen names.

pub mod host;
pub mod logging;
pub mod napi;
pub mod process_tree;
pub mod recent;
pub mod runtime;
pub mod sync;
