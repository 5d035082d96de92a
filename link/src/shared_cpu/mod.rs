//! Moving a thread off the CPU of the peer it hands work to: Linux's heuristic (`linux.rs`, which
//! says why and what it cost), and elsewhere (`other.rs`: Windows, macOS) the same calls doing
//! nothing.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(not(target_os = "linux"))]
mod other;
#[cfg(not(target_os = "linux"))]
pub use other::*;
