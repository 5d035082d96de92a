//! Direct calls under wine: the cases Linux runs (`direct_calls/cases.rs`) against
//! the test addons built for Windows (`scripts/windows addons`), in-process and isolated. Run by
//! `scripts/windows test`.

#![cfg(windows)]

#[path = "direct_calls/cases.rs"]
mod cases;
#[path = "windows_common/mod.rs"]
mod common;
