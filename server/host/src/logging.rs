//! Where the host's log goes: stderr, filtered by `NAPI_HOSTD_LOG` (tracing's directive syntax,
//! e.g. `debug` or `napi_host::host=trace`), warnings and errors by default. The same in both
//! modes: `napi-hostd` installs it for the process, and so does the Python extension when it starts
//! its first in-process host (direct calls run host code on Python's threads). That touches
//! no one else's log: another extension using `tracing` has its own copy of it.
//!
//! `NAPI_HOSTD_LOG=napi_functions::entry=trace` is a call log: each Node-API function an addon
//! calls is one line, the entry of the span named after it (spans exist only at that level).

use std::io::IsTerminal;

use tracing::Dispatch;

pub fn dispatch() -> Dispatch {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NAPI_HOSTD_LOG").unwrap_or_else(|_| "warn".into());
    // Colours only for a terminal: a host's stderr is usually a pipe to Python's logging.
    let ansi = std::io::stderr().is_terminal();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::ENTER)
        .with_writer(std::io::stderr)
        .into()
}
