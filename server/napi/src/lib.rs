//! The Node-API C surface: every `extern "C"` / `#[no_mangle]` function of the host lives in this
//! folder, one file per chapter of the Node-API documentation. Bodies go through
//! [`entry`] and then read like the docs: check the arguments, do the thing, return.
//!
//! `napi-exports.txt` at the crate root is the one list of exported names; the builds of the
//! artifacts that export them (napi-hostd, the Python extension) make the linker's export list
//! from it.

#![allow(clippy::missing_safety_doc, reason = "the safety contract of each function is Node-API's")]
#![allow(non_camel_case_types, reason = "names mirror the C headers")]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod async_cleanup;
pub mod async_context;
pub mod async_tables;
pub mod async_work;
pub mod buffers;
pub mod callback;
pub mod entry;
pub mod errors;
pub mod finalizers;
pub mod functions;
pub mod layer;
pub mod lifecycle;
mod load_error;
pub mod objects;
pub mod pointers;
pub mod promises;
pub mod references;
pub mod result;
pub mod scopes;
pub mod shared_arraybuffers;
pub mod strings;
pub mod tsfn;
pub mod types;
pub mod values;
pub mod wrap;
