//! What every host gets, sandbox or not. None of it needs
//! privileges. The process group is set by the client as it starts the host; the parent-death
//! signal the host arms itself, first thing (`die_with`).

use std::io::Error;

// Each platform's file says which defaults it has and why the others are missing there.
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux::OPEN_DESCRIPTORS;
#[cfg(target_os = "linux")]
pub use linux::{apply_defaults, die_with};

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
use macos::OPEN_DESCRIPTORS;
#[cfg(target_os = "macos")]
pub use macos::{apply_defaults, die_with};

/// Closes every descriptor this process was started with besides stdin, stdout, stderr and
/// `keep`: whatever the client's process had open without close-on-exec (Python leaves some)
/// must not reach addon code. Done here, after exec, because the client starts hosts with
/// `posix_spawn`, whose portable file actions cannot close a range.
pub fn close_inherited(keep: &[i32]) -> Result<(), String> {
    let listed = std::fs::read_dir(OPEN_DESCRIPTORS).map_err(|e| format!("cannot list its descriptors: {e}"))?;
    let open: Vec<i32> = listed.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    for fd in open.into_iter().filter(|fd| *fd > 2 && !keep.contains(fd)) {
        // SAFETY: a descriptor nothing in this process owns yet (the listing's own is closed
        // already; closing it again is a harmless EBADF).
        unsafe { libc::close(fd) };
    }
    Ok(())
}

fn check(rc: i32, what: &str) -> Result<(), String> {
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("{what}: {}", Error::last_os_error()))
    }
}
