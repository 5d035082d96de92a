//! The system-call filter, with seccomp: no new processes, no sockets, no io_uring, no
//! debugging or signalling of other processes, none of the kernel's administrative calls.
//!
//! It is a deny-list (everything else is allowed) because an addon's legitimate needs (threads,
//! memory, files inside the allow-list, clocks, futexes) are open-ended; what it refuses is what
//! escapes the sandbox. Refused calls fail with EPERM, so an addon sees an error, not a crash.

use std::collections::BTreeMap;

use seccompiler::{
    sock_filter, BpfProgram, SeccompAction, SeccompCmpArgLen as Len, SeccompCmpOp as Op, SeccompCondition as Cond, SeccompFilter,
    SeccompRule, TargetArch,
};

/// Calls refused whatever their arguments.
const REFUSED: &[i64] = &[
    // New processes and programs.
    libc::SYS_fork,
    libc::SYS_vfork,
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
];

/// x86_64 numbers at or above this are the x32 ABI: the same calls under other numbers, which a
/// filter keyed on numbers would let through.
const X32_BIT: u32 = 0x4000_0000;

pub fn restrict(active: &mut Vec<String>) -> Result<(), String> {
    let pid = std::process::id() as u64;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = REFUSED.iter().map(|&nr| (nr, vec![])).collect();
    let rule = |conds: Vec<Cond>| SeccompRule::new(conds).map_err(seccomp_error);
    let cond = |arg, op, value| Cond::new(arg, Len::Dword, op, value).map_err(seccomp_error);
    // clone: threads only (CLONE_THREAD set); a clone without it is a new process.
    rules.insert(libc::SYS_clone, vec![rule(vec![cond(0, Op::MaskedEq(libc::CLONE_THREAD as u64), 0)?])?]);
    // Signals: to this process (pid or group 0, as raise() and abort() do), to no other.
    rules.insert(libc::SYS_kill, vec![rule(vec![cond(0, Op::Ne, pid)?, cond(0, Op::Ne, 0)?])?]);
    for nr in [libc::SYS_tgkill, libc::SYS_rt_sigqueueinfo, libc::SYS_rt_tgsigqueueinfo] {
        rules.insert(nr, vec![rule(vec![cond(0, Op::Ne, pid)?])?]);
    }
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(libc::EPERM as u32), TargetArch::x86_64)
        .map_err(seccomp_error)?;
    let mut program: BpfProgram = filter.try_into().map_err(seccomp_error)?;
    program.splice(0..0, x32_guard());
    // clone3 passes its flags in memory, where seccomp cannot look: refuse it as unknown, so the
    // C library falls back to clone, whose flags are checked above. A second filter, because
    // one seccompiler filter has one refusal action.
    let clone3 = SeccompFilter::new(
        BTreeMap::from([(libc::SYS_clone3, vec![])]),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        TargetArch::x86_64,
    )
    .map_err(seccomp_error)?;
    let clone3: BpfProgram = clone3.try_into().map_err(seccomp_error)?;
    seccompiler::apply_filter(&program).map_err(seccomp_error)?;
    seccompiler::apply_filter(&clone3).map_err(seccomp_error)?;
    active.push("seccomp".into());
    Ok(())
}

/// Refuses every x32 system call before the number-keyed rules see it.
fn x32_guard() -> Vec<sock_filter> {
    const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JGE_K: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
    const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    vec![
        // seccomp_data.nr is at offset 0.
        sock_filter { code: LD_W_ABS, jt: 0, jf: 0, k: 0 },
        sock_filter { code: JGE_K, jt: 0, jf: 1, k: X32_BIT },
        sock_filter { code: RET_K, jt: 0, jf: 0, k: libc::SECCOMP_RET_ERRNO | libc::EPERM as u32 },
    ]
}

fn seccomp_error(e: impl std::fmt::Display) -> String {
    format!("seccomp: {e}")
}
