//! What every host gets, sandbox or not (issue 6, "defaults for every host"). None of it needs
//! privileges. The process group is set by the client as it starts the host; the parent-death
//! signal the host arms itself, first thing (`die_with`).

use std::io::Error;

#[cfg(target_os = "macos")]
#[path = "defaults_macos.rs"]
mod macos;
#[cfg(target_os = "macos")]
pub use macos::{apply_defaults, die_with};

/// Where this process's open descriptors are listed: procfs on Linux, fdescfs on macOS.
#[cfg(target_os = "linux")]
const OPEN_DESCRIPTORS: &str = "/proc/self/fd";
#[cfg(target_os = "macos")]
const OPEN_DESCRIPTORS: &str = "/dev/fd";

/// Applies the defaults; answers their names.
#[cfg(target_os = "linux")]
pub fn apply_defaults() -> Result<Vec<String>, String> {
    let mut active = Vec::new();
    // A crashing addon must not leave core files of the host (they may hold the caller's data).
    let none = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: setrlimit reads the struct it is given.
    check(unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) }, "no core dumps")?;
    active.push("no_core_dumps".into());
    // Nothing the addon executes may gain privileges (setuid binaries, file capabilities); it is
    // also what lets an unprivileged process install a seccomp filter.
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }, "no new privileges")?;
    active.push("no_new_privs".into());
    // Processes the addon starts and abandons stay our descendants (not init's), so the client
    // can still find and kill them through us.
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }, "subreaper")?;
    active.push("subreaper".into());
    Ok(active)
}

/// Dies with the client, process `parent`: SIGKILL when the thread that started this process
/// exits (the client starts hosts from a thread that lives as long as it does). A client that
/// died before the signal was armed left this process to another parent: it exits at once.
#[cfg(target_os = "linux")]
pub fn die_with(parent: i32) -> Result<(), String> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) }, "parent-death signal")?;
    // SAFETY: getppid has no preconditions.
    if unsafe { libc::getppid() } != parent {
        return Err(format!("the client (pid {parent}) exited while napi-hostd started"));
    }
    Ok(())
}

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
