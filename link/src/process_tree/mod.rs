//! The processes below a process: what the host kills when it exits (its teardown) and what the
//! client kills beside a host's group. Linux reads the kernel's per-thread child lists in
//! `/proc` (`linux.rs`, also built on Windows, where it finds no `/proc` and so nothing: the job
//! object kills there); macOS asks libproc (`macos.rs`).

#[cfg(not(target_os = "macos"))]
mod linux;
#[cfg(not(target_os = "macos"))]
pub use linux::descendants;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
pub use macos::descendants;
