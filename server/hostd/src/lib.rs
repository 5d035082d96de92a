//! What napi_python and napi-hostd both need to know of the host process: the processes below
//! it (the client kills them with the host; the host kills them at teardown).

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod process_tree;
