//! Starting `napi-hostd` without copying this process. A fork copies the parent's page
//! tables, so its cost grows with the Python process: with every host loaded (each maps its
//! rings and segments), with every library and every heap page. glibc's `posix_spawn` clones
//! with `CLONE_VM | CLONE_VFORK` and execs at once, at a cost that does not depend on the
//! parent. Rust's `Command` uses it only when nothing has to run between fork and exec, and it
//! cannot place descriptors above stderr; so this calls it directly, with everything the child
//! needs before exec said as file actions and attributes. What they cannot say the host does
//! itself as it starts: it arms the parent-death signal (`--parent`) and closes whatever else
//! Python had open without close-on-exec (closing a range is a file action only glibc 2.34 has,
//! and the wheels are built for 2.17).

use std::ffi::{CString, OsString};
use std::fs::File;
use std::io::{Error, ErrorKind, Result};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;

/// A started child: its pid and the read ends of its stdout and stderr.
pub struct Child {
    pub pid: u32,
    pub stdout: File,
    pub stderr: File,
}

/// Starts `program` (looked up in `PATH` when it names no directory) with `args`, this
/// process's environment with `env` over it, stdin from /dev/null, stdout and stderr piped to
/// us, `pass[i]` as descriptor 3 + i (Python's descriptors without close-on-exec cross too:
/// the host closes them), in a process group of its
/// own (so that a kill reaches everything it starts), with no signal blocked and SIGPIPE at
/// its default (Python ignores it, and an ignored signal stays ignored across exec).
pub fn spawn(program: &str, args: &[String], env: &[(String, String)], pass: &[BorrowedFd<'_>]) -> Result<Child> {
    let argv: Vec<CString> = std::iter::once(program).chain(args.iter().map(String::as_str)).map(c_string).collect::<Result<_>>()?;
    let envp = environment(env)?;
    let (out_read, out_write) = pipe()?;
    let (err_read, err_write) = pipe()?;
    // Every descriptor the child gets moves above the numbers it gets them at first, so that
    // placing one cannot overwrite another still to be placed.
    let sources =
        [out_write.as_fd(), err_write.as_fd()].into_iter().chain(pass.iter().copied()).map(above_targets).collect::<Result<Vec<_>>>()?;
    let mut actions = FileActions::new()?;
    // SAFETY: valid actions object and a NUL-terminated path.
    check(unsafe { libc::posix_spawn_file_actions_addopen(actions.ptr(), 0, c"/dev/null".as_ptr(), libc::O_RDONLY, 0) })?;
    for (target, source) in (1..).zip(&sources) {
        // SAFETY: valid actions object; dup2 clears close-on-exec on the copy.
        check(unsafe { libc::posix_spawn_file_actions_adddup2(actions.ptr(), source.as_raw_fd(), target) })?;
    }
    let mut attributes = Attributes::new()?;
    attributes.set()?;
    let mut pid: libc::pid_t = 0;
    let mut argv_ptrs: Vec<*mut libc::c_char> = argv.iter().map(|a| a.as_ptr().cast_mut()).collect();
    argv_ptrs.push(std::ptr::null_mut());
    let mut envp_ptrs: Vec<*mut libc::c_char> = envp.iter().map(|e| e.as_ptr().cast_mut()).collect();
    envp_ptrs.push(std::ptr::null_mut());
    // SAFETY: NUL-terminated argument and environment arrays of NUL-terminated strings that
    // outlive the call, and initialised actions and attributes.
    let rc =
        unsafe { libc::posix_spawnp(&mut pid, argv[0].as_ptr(), actions.ptr(), attributes.ptr(), argv_ptrs.as_ptr(), envp_ptrs.as_ptr()) };
    if rc != 0 {
        return Err(Error::from_raw_os_error(rc));
    }
    Ok(Child { pid: pid as u32, stdout: File::from(out_read), stderr: File::from(err_read) })
}

/// The answer of a posix_spawn function (an error number, not errno).
fn check(rc: i32) -> Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(Error::from_raw_os_error(rc))
    }
}

fn c_string(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::new(ErrorKind::InvalidInput, format!("{s:?} contains a NUL byte")))
}

/// This process's environment with `env` over it, as `KEY=value` strings.
fn environment(env: &[(String, String)]) -> Result<Vec<CString>> {
    let mut vars: Vec<(OsString, OsString)> = std::env::vars_os().filter(|(k, _)| !env.iter().any(|(key, _)| k == key.as_str())).collect();
    vars.extend(env.iter().map(|(k, v)| (k.into(), v.into())));
    vars.into_iter()
        .map(|(k, v)| {
            let mut entry = k.into_vec();
            entry.push(b'=');
            entry.extend(v.into_vec());
            CString::new(entry).map_err(|_| Error::new(ErrorKind::InvalidInput, "an environment variable contains a NUL byte"))
        })
        .collect()
}

/// A pipe, both ends close-on-exec: (read, write).
fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into `fds`.
    #[cfg(target_os = "linux")]
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    // macOS has no pipe2: close-on-exec is set just after, a window in which another thread's
    // fork and exec could carry the ends along (into a child that then holds a host's output).
    // SAFETY: pipe writes two descriptors into `fds`.
    #[cfg(target_os = "macos")]
    let rc = unsafe { libc::pipe(fds.as_mut_ptr()) };
    if rc == -1 {
        return Err(Error::last_os_error());
    }
    // SAFETY: two new descriptors owned by nothing else.
    let ends = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    #[cfg(target_os = "macos")]
    for fd in fds {
        // SAFETY: fcntl on a descriptor `ends` owns.
        if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } == -1 {
            return Err(Error::last_os_error());
        }
    }
    Ok(ends)
}

/// A close-on-exec copy of `fd` numbered above every descriptor number a child is given.
fn above_targets(fd: BorrowedFd<'_>) -> Result<OwnedFd> {
    // SAFETY: fcntl on a borrowed, open descriptor.
    let copy = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) };
    if copy == -1 {
        return Err(Error::last_os_error());
    }
    // SAFETY: a new descriptor owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}

/// `posix_spawn_file_actions_t`, destroyed when dropped.
struct FileActions(Box<libc::posix_spawn_file_actions_t>);

impl FileActions {
    fn new() -> Result<FileActions> {
        // SAFETY: plain data, initialised by the call below before any other use.
        let mut actions = FileActions(Box::new(unsafe { std::mem::zeroed() }));
        // SAFETY: a valid, boxed (so never moved) object to initialise.
        let rc = unsafe { libc::posix_spawn_file_actions_init(&mut *actions.0) };
        if rc != 0 {
            std::mem::forget(actions); // nothing to destroy
            return Err(Error::from_raw_os_error(rc));
        }
        Ok(actions)
    }

    fn ptr(&mut self) -> *mut libc::posix_spawn_file_actions_t {
        &mut *self.0
    }
}

impl Drop for FileActions {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, destroyed once.
        unsafe { libc::posix_spawn_file_actions_destroy(&mut *self.0) };
    }
}

/// `posix_spawnattr_t`, destroyed when dropped.
struct Attributes(Box<libc::posix_spawnattr_t>);

impl Attributes {
    fn new() -> Result<Attributes> {
        // SAFETY: plain data, initialised by the call below before any other use.
        let mut attributes = Attributes(Box::new(unsafe { std::mem::zeroed() }));
        // SAFETY: a valid, boxed object to initialise.
        let rc = unsafe { libc::posix_spawnattr_init(&mut *attributes.0) };
        if rc != 0 {
            std::mem::forget(attributes);
            return Err(Error::from_raw_os_error(rc));
        }
        Ok(attributes)
    }

    fn ptr(&mut self) -> *mut libc::posix_spawnattr_t {
        &mut *self.0
    }

    /// A process group of its own, no signal blocked, SIGPIPE at its default.
    fn set(&mut self) -> Result<()> {
        let attr = self.ptr();
        // SAFETY: plain data, filled by sigemptyset.
        let mut none: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut pipe: libc::sigset_t = unsafe { std::mem::zeroed() };
        let flags = libc::POSIX_SPAWN_SETPGROUP | libc::POSIX_SPAWN_SETSIGMASK | libc::POSIX_SPAWN_SETSIGDEF;
        // SAFETY: valid signal sets and an initialised attributes object.
        let rcs = unsafe {
            [
                libc::sigemptyset(&mut none),
                libc::sigemptyset(&mut pipe),
                libc::sigaddset(&mut pipe, libc::SIGPIPE),
                libc::posix_spawnattr_setpgroup(attr, 0),
                libc::posix_spawnattr_setsigmask(attr, &none),
                libc::posix_spawnattr_setsigdefault(attr, &pipe),
                libc::posix_spawnattr_setflags(attr, flags as libc::c_short),
            ]
        };
        match rcs.into_iter().find(|&rc| rc != 0) {
            None => Ok(()),
            Some(-1) => Err(Error::last_os_error()),
            Some(rc) => Err(Error::from_raw_os_error(rc)),
        }
    }
}

impl Drop for Attributes {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, destroyed once.
        unsafe { libc::posix_spawnattr_destroy(&mut *self.0) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;

    fn status_field(pid: u32, name: &str) -> String {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string())).unwrap()
    }

    #[test]
    fn the_child_gets_the_descriptors_passed_in_a_group_of_its_own() {
        let (ours, theirs) = UnixStream::pair().unwrap();
        // `cat` reads descriptor 3 (its stdin is /dev/null) until we hang up.
        let args = ["-c".to_string(), "exec cat <&3".to_string()];
        let mut child = spawn("sh", &args, &[("SPAWN_TEST".into(), "1".into())], &[theirs.as_fd()]).unwrap();
        // Once `cat` runs (it has replaced sh), it echoes what it reads back out on stdout.
        (&ours).write_all(b"x\n").unwrap();
        let mut first = [0u8; 2];
        child.stdout.read_exact(&mut first).unwrap();
        let pid = child.pid;
        let mut fds: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_str().unwrap().parse().unwrap())
            .collect();
        fds.sort();
        // Placed where the host looks for them (what else crosses, the host closes itself).
        assert_eq!(fds[..4], [0, 1, 2, 3]);
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let pgrp: u32 = stat.rsplit(')').next().unwrap().split_whitespace().nth(2).unwrap().parse().unwrap();
        assert_eq!(pgrp, pid);
        // This test process ignores SIGPIPE (Rust's runtime does, as Python does); the child not.
        let ignored = u64::from_str_radix(&status_field(pid, "SigIgn:"), 16).unwrap();
        assert_eq!(ignored & (1 << (libc::SIGPIPE - 1)), 0);
        assert_eq!(status_field(pid, "SigBlk:"), "0000000000000000");
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
        assert!(environ.split(|&b| b == 0).any(|v| v == b"SPAWN_TEST=1"));
        drop(ours);
        let mut status = 0;
        // SAFETY: our child, reaped once.
        assert_eq!(unsafe { libc::waitpid(pid as i32, &mut status, 0) }, pid as i32);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    }

    #[test]
    fn a_program_that_cannot_run_is_an_error_of_the_call() {
        let missing = spawn("/nonexistent/program", &[], &[], &[]).err().unwrap();
        assert_eq!(missing.kind(), ErrorKind::NotFound);
    }
}
