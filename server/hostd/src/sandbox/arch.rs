//! What the system-call filter ([`super::syscalls`]) knows of the CPU architecture: the one
//! place that differs between x86-64 and arm64. The rest of the filter is written in the calls
//! every Linux architecture has (their numbers come from the `libc` crate for the target).
//!
//! x86-64 keeps the old calls that arm64's table (the generic one of newer architectures) never
//! had, each one a second way to do what an `*at` form or `clone` does: those are refused too.
//! x86-64 also carries the x32 ABI, the same calls under numbers with bit 30 set, refused whole.
//! A new architecture adds a module here and its name to `compile_error!`'s list.

#[cfg(target_arch = "x86_64")]
mod table {
    use seccompiler::{sock_filter, TargetArch};

    pub const TARGET: TargetArch = TargetArch::x86_64;

    /// The old forms of refused calls (the others are in the filter's own list).
    pub const REFUSED: &[i64] = &[
        libc::SYS_fork,
        libc::SYS_vfork,
        libc::SYS_inotify_init,
        libc::SYS_mknod,
        libc::SYS_chmod,
        libc::SYS_chown,
        libc::SYS_lchown,
        libc::SYS_utime,
        libc::SYS_utimes,
        libc::SYS_futimesat,
    ];

    /// x86_64 numbers at or above this are the x32 ABI: the same calls under other numbers, which
    /// a filter keyed on numbers would let through.
    const X32_BIT: u32 = 0x4000_0000;

    /// Instructions put before the number-keyed rules: refuses every x32 system call.
    pub fn guard() -> Vec<sock_filter> {
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
}

#[cfg(target_arch = "aarch64")]
mod table {
    use seccompiler::{sock_filter, TargetArch};

    pub const TARGET: TargetArch = TargetArch::aarch64;

    /// arm64 has no old forms: fork is clone, chmod is fchmodat, mknod is mknodat, and so on.
    pub const REFUSED: &[i64] = &[];

    /// One ABI (a 32-bit arm process is another audit architecture, which the filter's first
    /// check, of the architecture, stops): nothing to add.
    pub fn guard() -> Vec<sock_filter> {
        Vec::new()
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!("napi-hostd's system-call filter knows x86_64 and aarch64 (server/hostd/src/sandbox/arch.rs)");

pub use table::{guard, REFUSED, TARGET};
