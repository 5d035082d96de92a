//! The napi-rs test addon (`build/addons/rust_addon.node`): what a typical napi-rs 3 library
//! exports, one module per topic. JS names are napi-rs's camelCase of the Rust names.
//! Every export is exercised against what `node` answers: the synchronous ones by
//! `tests/rust_addon/test_rust_addon.py`, the asynchronous ones by `tests/rust_addon/test_rust_async.py`.

#![deny(clippy::all)]

pub mod asynchronous;
pub mod callbacks;
pub mod classes;
pub mod dates;
pub mod errors;
pub mod names;
pub mod numbers;
pub mod objects;
pub mod strings;
pub mod threadsafe;
