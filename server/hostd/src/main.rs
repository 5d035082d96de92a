//! `napi-hostd`: runs Node-API addons for a `napi_python` client.
//!
//! Started by the client with one end of a socket pair as file descriptor 3 (or `--fd N`), the
//! event socket as the descriptor after it, and the client's shared-memory rings (the
//! event ring among them) as `--ring N`. It confines itself first (see `sandbox`), then
//! speaks the protocol of `napi-protocol` over the rings until the client closes the socket,
//! then runs each addon's cleanup hooks and exits.

#![deny(clippy::undocumented_unsafe_blocks)]

#[cfg(target_os = "linux")]
mod descriptors;
#[cfg(unix)]
mod sandbox;
mod start;
#[cfg(unix)]
mod watchdog;

use std::process::ExitCode;

/// The one list of exported Node-API functions, as built into this binary: what
/// `python -m napi_python inspect` compares an addon's imports with.
const EXPORTS: &str = include_str!("../../napi/napi-exports.txt");

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--exports") {
        EXPORTS.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).for_each(|l| println!("{l}"));
        return ExitCode::SUCCESS;
    }
    start::main()
}
