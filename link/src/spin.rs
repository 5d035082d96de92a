//! A short spin before sleeping: both ends answer each other within microseconds, while waking a
//! thread that went to sleep costs tens of microseconds on a VM (more when it sleeps on another
//! CPU). Each side, before blocking on its socket, polls it without blocking for a little
//! while, yielding the CPU between looks. A thread allowed on one CPU only does not spin: its
//! peer needs that CPU to answer, and the looks would only delay it.

use std::cell::Cell;
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
///
/// What the last yields showed shapes the next waits (see [`Yielding`]): a peer that shares this
/// CPU is yielded to at once, and for a while after a yield let a CPU-bound thread have its time
/// slice, the waits do not spin at all (`false` after one look).
pub fn spin_until(mut ready: impl FnMut() -> bool, budget: Duration) -> bool {
    if ready() {
        return true;
    }
    if !SEVERAL_CPUS.with(|s| *s) {
        return false;
    }
    let start = Instant::now();
    let learned = YIELDING.with(Cell::get);
    if !learned.may_spin(start) {
        return false;
    }
    let mut yield_now = learned == Yielding::AtOnce;
    loop {
        if !yield_now {
            // Several looks per reading of the clock, which costs more than a look at memory.
            for _ in 0..LOOKS_PER_CLOCK {
                if ready() {
                    YIELDING.with(|y| y.set(y.get().after_looks()));
                    return true;
                }
                std::hint::spin_loop();
            }
        }
        let spent = start.elapsed();
        if spent >= budget {
            return false;
        }
        if yield_now || spent >= BACK_TO_BACK {
            let before = Instant::now();
            // SAFETY: no arguments; lets a runnable peer on this CPU go first.
            unsafe { libc::sched_yield() };
            let yielded = before.elapsed();
            let found = ready();
            let next = YIELDING.with(Cell::get).after_yield(before, yielded, found);
            YIELDING.with(|y| y.set(next));
            if found || !next.may_spin(before) {
                return found;
            }
            // A yield that let nothing run: the peer is elsewhere, and looks catch it soonest.
            yield_now = yield_now && yielded >= PEER_RAN;
        }
    }
}

/// How a thread's waits yield the CPU, from what its last yields showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Yielding {
    /// Looks first, yields once they found nothing for a few microseconds (the peer runs on
    /// another CPU, or nothing was learned yet).
    AfterLooks,
    /// The last wait ended right after a short yield that let another thread run: the peer
    /// shares this CPU (the other CPUs are taken), and looks before it has run are wasted.
    AtOnce,
    /// A yield let a CPU-bound thread have its time slice, which each further yield would hand
    /// it again, and looks without yields would keep from a peer on this CPU: until then, waits
    /// sleep at once (a wake-up puts the sleeper before a CPU-bound thread).
    NotUntil(Instant),
}

impl Yielding {
    /// Whether a wait starting at `now` may spin (look and yield) before it sleeps.
    fn may_spin(self, now: Instant) -> bool {
        !matches!(self, Yielding::NotUntil(until) if now < until)
    }

    /// After a wait that looks alone ended: the peer answered while this thread ran.
    fn after_looks(self) -> Yielding {
        match self {
            Yielding::NotUntil(_) => self,
            _ => Yielding::AfterLooks,
        }
    }

    /// After a yield that began at `at` and took `yielded`, `found` telling whether the wait's
    /// condition held right after it.
    fn after_yield(self, at: Instant, yielded: Duration, found: bool) -> Yielding {
        if yielded >= CPU_BOUND_RAN {
            Yielding::NotUntil(at + YIELD_AGAIN)
        } else if !found {
            // The thread that ran, if any, may be the peer on its way: the next yield tells.
            self
        } else if yielded >= PEER_RAN {
            Yielding::AtOnce
        } else {
            Yielding::AfterLooks
        }
    }
}

thread_local! {
    static YIELDING: Cell<Yielding> = const { Cell::new(Yielding::AfterLooks) };
}

/// A yield that took this long let another thread run: the system call alone takes a few hundred
/// nanoseconds, a switch to another thread and back a few microseconds. Taking a slow call for a
/// switch costs one needless yield, as the next wait's quick yield corrects it.
const PEER_RAN: Duration = Duration::from_micros(1);

/// A yield that took this long let a CPU-bound thread have its time slice (a peer answering a
/// request is back far sooner).
const CPU_BOUND_RAN: Duration = Duration::from_micros(100);

/// How long a thread that met a CPU-bound one does not yield: long enough that trying again
/// (which costs a time slice if it is still there) is rare.
const YIELD_AGAIN: Duration = Duration::from_millis(100);

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

    const SHORT: Duration = Duration::from_nanos(400);
    const SWITCH: Duration = Duration::from_micros(3);
    const SLICE: Duration = Duration::from_millis(1);

    #[test]
    fn a_yield_that_let_a_peer_answer_makes_the_next_wait_yield_at_once() {
        let at = Instant::now();
        assert_eq!(Yielding::AfterLooks.after_yield(at, SWITCH, true), Yielding::AtOnce);
        // The thread that ran did not answer: nothing learned yet.
        assert_eq!(Yielding::AfterLooks.after_yield(at, SWITCH, false), Yielding::AfterLooks);
        // A wait that looks ended (the peer answered from another CPU) looks first again.
        assert_eq!(Yielding::AtOnce.after_looks(), Yielding::AfterLooks);
    }

    #[test]
    fn a_yield_that_let_nothing_run_puts_the_looks_first() {
        let at = Instant::now();
        assert_eq!(Yielding::AtOnce.after_yield(at, SHORT, true), Yielding::AfterLooks);
        assert_eq!(Yielding::AtOnce.after_yield(at, SHORT, false), Yielding::AtOnce);
    }

    #[test]
    fn a_yield_that_lost_a_time_slice_stops_the_yields_for_a_while() {
        let at = Instant::now();
        for (learned, found) in [(Yielding::AfterLooks, true), (Yielding::AtOnce, false)] {
            let next = learned.after_yield(at, SLICE, found);
            assert_eq!(next, Yielding::NotUntil(at + YIELD_AGAIN));
            assert!(!next.may_spin(at + SLICE));
            assert!(next.may_spin(at + YIELD_AGAIN));
            // Waits that end with looks alone do not lift it.
            assert_eq!(next.after_looks(), next);
        }
        assert!(Yielding::AfterLooks.may_spin(at) && Yielding::AtOnce.may_spin(at));
    }

    #[test]
    fn a_wait_after_a_lost_time_slice_sleeps_at_once_and_a_peer_here_is_yielded_to() {
        if !several_cpus() {
            return;
        }
        YIELDING.with(|y| y.set(Yielding::NotUntil(Instant::now() + YIELD_AGAIN)));
        let mut looks = 0;
        assert!(!spin_until(
            || {
                looks += 1;
                false
            },
            Duration::from_secs(5)
        ));
        assert_eq!(looks, 1);
        // Yielding at once, the wait still finds what comes.
        YIELDING.with(|y| y.set(Yielding::AtOnce));
        let mut looks = 0;
        assert!(spin_until(
            || {
                looks += 1;
                looks > 100
            },
            Duration::from_secs(5)
        ));
    }

    #[test]
    fn sees_data_and_gives_up_without_it() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let start = Instant::now();
        assert!(!spin_until_readable(&[b.as_raw_fd()], Duration::from_micros(200)));
        // It looks for the whole budget, unless a yield lost a time slice to a CPU-bound
        // thread (tests run side by side) and it gave up at once.
        if several_cpus() && YIELDING.with(Cell::get).may_spin(Instant::now()) {
            assert!(start.elapsed() >= Duration::from_micros(200));
        }
        a.write_all(b"x").unwrap();
        assert_eq!(spin_until_readable(&[b.as_raw_fd()], Duration::from_secs(5)), several_cpus());
    }
}
