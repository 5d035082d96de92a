//! What the `napi-hostd` process does on its way out beside its host's own teardown: it kills
//! every process the addon started (`teardown`). A library, so that the extension's manifest can
//! name the package, and its source distribution carry napi-hostd, which it builds beside itself.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod teardown;
