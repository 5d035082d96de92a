//! A short spin before sleeping: both ends answer each other within microseconds, while waking a
//! thread that went to sleep costs tens of microseconds on a VM (more when it sleeps on another
//! CPU). Each side, before blocking on its socket, polls it without blocking for a little
//! while, yielding the CPU between looks. A thread allowed on one CPU only does not spin: its
//! peer needs that CPU to answer, and the looks would only delay it.

use std::os::fd::RawFd;
use std::time::{Duration, Instant};

/// How long a side looks before it sleeps: a few exchanges' worth, so an idle peer costs a
/// blip of CPU per message and nothing after.
pub const SPIN: Duration = Duration::from_micros(50);

thread_local! {
    /// Whether this thread may run on more than one CPU (read once: the affinity is set when a
    /// process starts, and threads inherit it).
    static SEVERAL_CPUS: bool = several_cpus();
}

fn several_cpus() -> bool {
    // SAFETY: a zeroed cpu_set_t is valid, and the call writes at most its size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 && libc::CPU_COUNT(&set) > 1
    }
}

/// Whether any of `fds` became readable (or hung up) within `budget`, looking without blocking
/// (at once `false` on a thread confined to one CPU).
pub fn spin_until_readable(fds: &[RawFd], budget: Duration) -> bool {
    let mut pfds: Vec<libc::pollfd> = fds.iter().map(|&fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 }).collect();
    // SAFETY: valid pollfd entries for the duration of the call; timeout 0 never blocks.
    // Readable, or an error the caller's blocking read will report.
    spin_until(budget, || unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, 0) } != 0)
}

/// Whether `ready` came true within `budget`, asking it again and again (at once `false` on a
/// thread confined to one CPU, after one look). For peers that share memory, where a look is a
/// load, not a system call.
pub fn spin_until(budget: Duration, mut ready: impl FnMut() -> bool) -> bool {
    if ready() {
        return true;
    }
    if !SEVERAL_CPUS.with(|s| *s) {
        return false;
    }
    let start = Instant::now();
    let mut looks = 0u32;
    loop {
        if ready() {
            return true;
        }
        looks += 1;
        // The clock is read every few looks only: it costs more than a look at memory.
        if looks % 32 == 0 {
            let spent = start.elapsed();
            if spent >= budget {
                return false;
            }
            // A peer that answers quickly runs on another CPU; past the first few microseconds
            // it may be waiting for ours, so each later round lets it go first. (A yield is a
            // system call: made at once, it would cost more than most answers take.)
            if spent >= YIELD_AFTER {
                // SAFETY: no arguments.
                unsafe { libc::sched_yield() };
            }
        } else {
            std::hint::spin_loop();
        }
    }
}

/// How long `spin_until` looks before it starts yielding between looks.
const YIELD_AFTER: Duration = Duration::from_micros(5);

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    #[test]
    fn sees_data_and_gives_up_without_it() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let start = Instant::now();
        assert!(!spin_until_readable(&[b.as_raw_fd()], Duration::from_micros(200)));
        if several_cpus() {
            assert!(start.elapsed() >= Duration::from_micros(200));
        }
        a.write_all(b"x").unwrap();
        assert_eq!(spin_until_readable(&[b.as_raw_fd()], Duration::from_secs(5)), several_cpus());
    }
}
