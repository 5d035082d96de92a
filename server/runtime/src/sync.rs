//! Locking the host's own mutexes.

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, poisoned or not: nothing panics while holding these locks (the Node-API entry
/// catches panics before they could cross one), so a poisoned lock still guards coherent data,
/// and an addon's thread must not be brought down by another thread's failure.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
