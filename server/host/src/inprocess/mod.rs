//! In-process hosts (`isolated=False`): the host runs on a thread of the Python process, and a
//! Python thread's request runs directly on that Python thread while it holds the host's JS
//! lock, with the Python calls the addon makes meanwhile run inline on the same thread. A call
//! costs a compare-and-swap on the lock instead of two hand-offs between threads.
//!
//! JS is still run by one thread at a time, which is all the Node-API contract asks of an env,
//! but not always by the same thread. An addon that keeps thread-local state could tell, and
//! napi-rs does (it files its classes under the registering thread's id), so a library whose
//! ELF file has thread-local storage (`thread_locals`) loads on the host thread, and from
//! then on every request of that host runs there: still made as a direct call by its caller,
//! whose Python calls still run inline on its thread, but with its JS run by the host thread on
//! its behalf (`relay`). Which way a request goes is decided in one place, [`InProcess::route`].
//! The host thread also runs what no request caused (async-work completions, threadsafe
//! functions), taking the lock for each turn and letting go of it while it idles.
//!
//! Host and client share one address space here, so what the host tells the client beside
//! replies (segments, retirements, returned blocks, objects let go) reaches it directly, at
//! once, through [`NewsSink`], and the client's own segment news reach the host through a queue
//! the host takes in before anything else it reads.
//!
//! This module is the door: its `pub` items are what the rest of the crate and other crates use;
//! what is behind it is its own.
//!
//! - [`InProcess`] (`share`): what host and client share; `calls`: a caller's way in, routed
//!   ([`Route`]) and served under the JS lock (`js_lock`, made of `turn_lock`), on its own
//!   thread or relayed to the host thread (`relay`, callers waiting in `relay_line`, answers
//!   freed there through `given_back`), each handed to `Host::serve_direct` (`turn`, which
//!   defines what a direct call is made of and what its caller provides); `host_thread`: the
//!   host thread's side (its idle sleep through `platform`).
//! - [`EventCalls`] (`event_calls`): the host thread's event turns calling Python themselves
//!   (through the client's `turn::EventCaller`), in order with the client's dispatcher.
//! - `news`: news handed over directly ([`NewsSink`], beside [`InProcess`] in `share`); `port`:
//!   the host's end of the client.
//! - `thread_locals`: which libraries keep their calls on the host thread.
//! - `js_thread`: a host whose JS thread is the thread that started it (no relay), the host
//!   thread only watching for the work that waits for it.

mod calls;
mod event_calls;
mod given_back;
mod host_thread;
mod js_lock;
mod js_thread;
mod news;
mod platform;
mod port;
mod relay;
mod relay_line;
mod share;
mod thread_locals;
mod turn_lock;

pub use calls::Route;
pub use event_calls::EventCalls;
pub use relay_line::Busy;
pub use share::{InProcess, NewsSink};

pub(crate) use platform::sleep_on;
pub(crate) use port::InProcessPort;
