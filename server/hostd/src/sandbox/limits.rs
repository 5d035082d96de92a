//! Resource limits (rlimits): memory, CPU time, open files. The kernel enforces them on the
//! host process; how an addon fails under one (a NULL from malloc, SIGXCPU, EMFILE) is the
//! addon's business, and the client names the limit in its crash report.

use std::io::Error;

#[derive(Debug, Default)]
pub struct Limits {
    /// Address space in bytes (`RLIMIT_AS`): the one memory limit Linux enforces on mappings,
    /// which is what `malloc` uses for large blocks.
    pub memory: Option<u64>,
    /// CPU seconds (`RLIMIT_CPU`): SIGXCPU at the soft limit, SIGKILL one second later.
    pub cpu: Option<u64>,
    /// Open file descriptors (`RLIMIT_NOFILE`).
    pub open_files: Option<u64>,
}

impl Limits {
    pub fn apply(&self, active: &mut Vec<String>) -> Result<(), String> {
        set(libc::RLIMIT_AS, self.memory, None, "memory_limit", active)?;
        set(libc::RLIMIT_CPU, self.cpu, self.cpu.map(|c| c + 1), "cpu_limit", active)?;
        set(libc::RLIMIT_NOFILE, self.open_files, None, "open_files_limit", active)
    }
}

/// The type of `setrlimit`'s resource: glibc's enum, an int elsewhere.
#[cfg(target_os = "linux")]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(target_os = "linux"))]
type Resource = libc::c_int;

fn set(resource: Resource, soft: Option<u64>, hard: Option<u64>, name: &str, active: &mut Vec<String>) -> Result<(), String> {
    let Some(soft) = soft else { return Ok(()) };
    let limit = libc::rlimit { rlim_cur: soft, rlim_max: hard.unwrap_or(soft) };
    // SAFETY: setrlimit reads the struct it is given.
    if unsafe { libc::setrlimit(resource, &limit) } != 0 {
        return Err(format!("{name}: {}", Error::last_os_error()));
    }
    active.push(name.into());
    Ok(())
}
