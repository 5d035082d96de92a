//! What the `napi-hostd` process does on its way out beside its host's own teardown: it kills
//! every process the addon started (`teardown`). A library, so that the extension's manifest can
//! name the package, and its source distribution carry napi-hostd, which it builds beside itself.

#![deny(clippy::undocumented_unsafe_blocks)]

// Windows' twin is the client's job object, which holds the host and everything it starts and
// is ended when the host is (client/src/link/host_process/job_object.rs).
#[cfg(unix)]
pub mod teardown;
