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

/// Whether this thread may run on one CPU only (so a peer it waits for needs that CPU).
pub fn one_cpu() -> bool {
    !SEVERAL_CPUS.with(|s| *s)
}

/// Whether `ready` answered true within `budget`, asking it again and again (at once `false`,
/// after one look, on a thread confined to one CPU). For the first microseconds the looks come
/// back to back, a pause hint apart (a peer on another CPU answering a small request does so
/// within a microsecond or two, and a `sched_yield` costs about as much); after that the CPU is
/// yielded between rounds of looks, so a runnable peer on this CPU goes first.
pub fn spin_until(mut ready: impl FnMut() -> bool, budget: Duration) -> bool {
    if ready() {
        return true;
    }
    if !SEVERAL_CPUS.with(|s| *s) {
        return false;
    }
    let start = Instant::now();
    loop {
        // Several looks per reading of the clock, which costs more than a look at memory.
        for _ in 0..LOOKS_PER_CLOCK {
            if ready() {
                return true;
            }
            std::hint::spin_loop();
        }
        let spent = start.elapsed();
        if spent >= budget {
            return false;
        }
        if spent >= BACK_TO_BACK {
            // SAFETY: no arguments; lets a runnable peer on this CPU go first.
            unsafe { libc::sched_yield() };
        }
    }
}

/// How long the first looks of `spin_until` come without yielding in between.
const BACK_TO_BACK: Duration = Duration::from_micros(5);

const LOOKS_PER_CLOCK: u32 = 16;

/// Whether any of `fds` became readable (or hung up) within `budget`, looking without blocking
/// (at once `false` on a thread confined to one CPU).
pub fn spin_until_readable(fds: &[RawFd], budget: Duration) -> bool {
    let mut pfds: Vec<libc::pollfd> = fds.iter().map(|&fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 }).collect();
    // Readable, or an error the caller's blocking read will report. SAFETY: valid pollfd
    // entries for the duration of the call; timeout 0 never blocks.
    let mut readable = || unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, 0) } != 0;
    if !SEVERAL_CPUS.with(|s| *s) {
        return false;
    }
    spin_until(&mut readable, budget)
}

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
