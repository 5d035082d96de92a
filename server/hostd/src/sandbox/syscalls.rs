//! The system-call filter, with seccomp: no new processes, no sockets, no io_uring, no
//! debugging, signalling, re-prioritising or limiting of other processes, no SysV IPC, no file
//! watches, no metadata changes, no device nodes, no namespaces, none of the kernel's
//! administrative calls.
//!
//! It is a deny-list (everything else is allowed) because an addon's legitimate needs (threads,
//! memory, files inside the allow-list, clocks, futexes) are open-ended; what it refuses is what
//! escapes the sandbox. Refused calls fail with EPERM, so an addon sees an error, not a crash.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen as Len, SeccompCmpOp as Op, SeccompCondition as Cond, SeccompFilter, SeccompRule,
};

use super::arch;

/// Calls refused whatever their arguments, on every architecture (with those only some have,
/// [`arch::REFUSED`]).
const REFUSED: &[i64] = &[
    // New processes and programs (fork and vfork where they exist: arch::REFUSED).
    libc::SYS_execve,
    libc::SYS_execveat,
    // Network: no new sockets of any family (the host's own is inherited, already connected).
    libc::SYS_socket,
    libc::SYS_connect,
    libc::SYS_bind,
    libc::SYS_listen,
    libc::SYS_accept,
    libc::SYS_accept4,
    // io_uring performs I/O that seccomp cannot see.
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    // Other processes.
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_pidfd_open,
    libc::SYS_pidfd_getfd,
    libc::SYS_pidfd_send_signal,
    libc::SYS_tkill,
    libc::SYS_kcmp,
    // Leaving the sandbox's namespaces and the kernel's administrative calls.
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    // A socket pair is a socket the filter never saw made: `sendto` from one reaches any
    // pathname datagram socket (Landlock does not cover sending to them).
    libc::SYS_socketpair,
    // SysV IPC names objects shared with every process of the IPC namespace.
    libc::SYS_shmget,
    libc::SYS_shmat,
    libc::SYS_shmctl,
    libc::SYS_shmdt,
    libc::SYS_msgget,
    libc::SYS_msgsnd,
    libc::SYS_msgrcv,
    libc::SYS_msgctl,
    libc::SYS_semget,
    libc::SYS_semop,
    libc::SYS_semtimedop,
    libc::SYS_semctl,
    // Watches report on files outside the allow-list (Landlock checks opens, not watches).
    libc::SYS_inotify_init1,
    libc::SYS_inotify_add_watch,
    libc::SYS_fanotify_init,
    libc::SYS_fanotify_mark,
    // Metadata: Landlock has no right for modes, owners, times or extended attributes, and a
    // descriptor opened for reading is enough for the `f*` forms, so none of them is allowed.
    libc::SYS_fchmod,
    libc::SYS_fchmodat,
    SYS_FCHMODAT2,
    libc::SYS_fchown,
    libc::SYS_fchownat,
    libc::SYS_utimensat,
    libc::SYS_setxattr,
    libc::SYS_lsetxattr,
    libc::SYS_fsetxattr,
    libc::SYS_removexattr,
    libc::SYS_lremovexattr,
    libc::SYS_fremovexattr,
    SYS_SETXATTRAT,
    SYS_REMOVEXATTRAT,
];

/// Newer than the C library's headers the `libc` crate follows (Linux 6.6 and 6.13).
const SYS_FCHMODAT2: i64 = 452;
const SYS_SETXATTRAT: i64 = 463;
const SYS_REMOVEXATTRAT: i64 = 466;

/// Calls whose first argument is a process id: allowed on this process only (0 or its pid).
const ONLY_ON_ITSELF: &[i64] = &[
    libc::SYS_prlimit64,
    libc::SYS_sched_setaffinity,
    libc::SYS_sched_setscheduler,
    libc::SYS_sched_setparam,
    libc::SYS_sched_setattr,
    libc::SYS_migrate_pages,
    libc::SYS_move_pages,
];

/// Clone flags that make a thread in new namespaces.
const NEW_NAMESPACES: &[i32] = &[
    libc::CLONE_NEWNS,
    libc::CLONE_NEWCGROUP,
    libc::CLONE_NEWUTS,
    libc::CLONE_NEWIPC,
    libc::CLONE_NEWUSER,
    libc::CLONE_NEWPID,
    libc::CLONE_NEWNET,
];

pub fn restrict(active: &mut Vec<String>) -> Result<(), String> {
    let pid = std::process::id() as u64;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = REFUSED.iter().chain(arch::REFUSED).map(|&nr| (nr, vec![])).collect();
    let rule = |conds: Vec<Cond>| SeccompRule::new(conds).map_err(seccomp_error);
    let cond = |arg, op, value| Cond::new(arg, Len::Dword, op, value).map_err(seccomp_error);
    // clone: threads only (CLONE_THREAD set); a clone without it is a new process, and one
    // with a namespace flag leaves the sandbox's namespaces.
    let mut clone = vec![rule(vec![cond(0, Op::MaskedEq(libc::CLONE_THREAD as u64), 0)?])?];
    for &flag in NEW_NAMESPACES {
        clone.push(rule(vec![cond(0, Op::MaskedEq(flag as u64), flag as u64)?])?);
    }
    rules.insert(libc::SYS_clone, clone);
    // Limits, priorities, CPUs and memory placement: of this process only (the Python parent
    // was set to 64 descriptors, nice 7 and one CPU). Its other threads' ids are refused too.
    for &nr in ONLY_ON_ITSELF {
        rules.insert(nr, vec![rule(vec![cond(0, Op::Ne, pid)?, cond(0, Op::Ne, 0)?])?]);
    }
    // setpriority and ioprio_set(which, who): a process (PRIO_PROCESS 0, IOPRIO_WHO_PROCESS 1)
    // that is this one, never a group or a user.
    for (nr, process) in [(libc::SYS_setpriority, libc::PRIO_PROCESS as u64), (libc::SYS_ioprio_set, 1)] {
        rules.insert(nr, vec![rule(vec![cond(0, Op::Ne, process)?])?, rule(vec![cond(1, Op::Ne, pid)?, cond(1, Op::Ne, 0)?])?]);
    }
    // Device nodes, even in a write directory: Landlock's write rights leave them out, but
    // Debian's Linux 7.2 for arm64 let a character device 0:0 through them (`scripts/arm64 vm`;
    // Linux 6.18 on x86-64 refuses it).
    // mknodat(dirfd, path, mode, dev); the old mknod is refused whole (arch::REFUSED).
    let device = |kind: libc::mode_t| cond(2, Op::MaskedEq(libc::S_IFMT as u64), kind as u64);
    rules.insert(libc::SYS_mknodat, vec![rule(vec![device(libc::S_IFCHR)?])?, rule(vec![device(libc::S_IFBLK)?])?]);
    // Signals: to this process (pid or group 0, as raise() and abort() do), to no other.
    rules.insert(libc::SYS_kill, vec![rule(vec![cond(0, Op::Ne, pid)?, cond(0, Op::Ne, 0)?])?]);
    for nr in [libc::SYS_tgkill, libc::SYS_rt_sigqueueinfo, libc::SYS_rt_tgsigqueueinfo] {
        rules.insert(nr, vec![rule(vec![cond(0, Op::Ne, pid)?])?]);
    }
    let filter =
        SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(libc::EPERM as u32), arch::TARGET).map_err(seccomp_error)?;
    let mut program: BpfProgram = filter.try_into().map_err(seccomp_error)?;
    program.splice(0..0, arch::guard());
    // clone3 passes its flags in memory, where seccomp cannot look: refuse it as unknown, so the
    // C library falls back to clone, whose flags are checked above. A second filter, because
    // one seccompiler filter has one refusal action.
    let clone3 = SeccompFilter::new(
        BTreeMap::from([(libc::SYS_clone3, vec![])]),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch::TARGET,
    )
    .map_err(seccomp_error)?;
    let clone3: BpfProgram = clone3.try_into().map_err(seccomp_error)?;
    seccompiler::apply_filter(&program).map_err(seccomp_error)?;
    seccompiler::apply_filter(&clone3).map_err(seccomp_error)?;
    active.push("seccomp".into());
    Ok(())
}

fn seccomp_error(e: impl std::fmt::Display) -> String {
    format!("seccomp: {e}")
}
