//! The defaults on Linux: no core files, `no_new_privs`, the subreaper, the parent-death signal;
//! descriptors listed by procfs.

use super::check;

/// Where this process's open descriptors are listed: procfs.
pub(super) const OPEN_DESCRIPTORS: &str = "/proc/self/fd";

/// Applies the defaults; answers their names.
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
pub fn die_with(parent: i32) -> Result<(), String> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) }, "parent-death signal")?;
    // SAFETY: getppid has no preconditions.
    if unsafe { libc::getppid() } != parent {
        return Err(format!("the client (pid {parent}) exited while napi-hostd started"));
    }
    Ok(())
}
