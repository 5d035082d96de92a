//! A short spin before sleeping: both ends answer each other within microseconds, while waking a
//! thread that went to sleep costs tens of microseconds on a VM (more when it sleeps on another
//! CPU). Each side, before blocking on its socket, polls it without blocking for a little
//! while, yielding the CPU between looks. A thread allowed on one CPU only does not spin: its
//! peer needs that CPU to answer, and the looks would only delay it.

use std::cell::Cell;
#[cfg(unix)]
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a side looks before it sleeps: a few exchanges' worth, so an idle peer costs a
/// blip of CPU per message and nothing after.
pub const SPIN: Duration = Duration::from_micros(50);

thread_local! {
    /// Whether this thread may run on more than one CPU (read once: the affinity is set when a
    /// process starts, and threads inherit it).
    static SEVERAL_CPUS: bool = several_cpus();
}

// The system calls that differ by platform: each platform's file names what it has.
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux::{coarse_nanos_linux as coarse_nanos_os, several_cpus};

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
use macos::{coarse_nanos_macos as coarse_nanos_os, several_cpus};

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix::yield_cpu;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows::{coarse_nanos_windows as coarse_nanos_os, several_cpus, yield_cpu};

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
/// When the last wait ended right after a yield that let another thread run briefly, the peer
/// shares this CPU (the other CPUs are taken): looks before it has run are wasted, so the next
/// wait yields at once (see [`Yielding`]).
///
/// While the CPUs are contended (see `Contention`) it does not yield: where it would, it
/// answers false, and its caller sleeps.
pub fn spin_until(mut ready: impl FnMut() -> bool, budget: Duration) -> bool {
    if ready() {
        return true;
    }
    if !SEVERAL_CPUS.with(|s| *s) {
        return false;
    }
    let start = Instant::now();
    let mut yield_now = YIELDING.with(Cell::get) == Yielding::AtOnce;
    loop {
        if !yield_now {
            // Several looks per reading of the clock, which costs more than a look at memory.
            for _ in 0..LOOKS_PER_CLOCK {
                if ready() {
                    YIELDING.with(|y| y.set(Yielding::AfterLooks));
                    return true;
                }
                std::hint::spin_loop();
            }
        }
        let now = Instant::now();
        let spent = now - start;
        if spent >= budget {
            return false;
        }
        if yield_now || spent >= BACK_TO_BACK {
            if CONTENTION.now() && !WHOLE_BUDGET.with(Cell::get) {
                return false;
            }
            yield_cpu();
            let yielded = now.elapsed();
            CONTENTION.after_yield(yielded);
            if ready() {
                YIELDING.with(|y| y.set(Yielding::after_yield(yielded)));
                return true;
            }
            // A yield that let nothing run: the peer is elsewhere, and looks catch it soonest.
            yield_now = yield_now && yielded >= PEER_RAN;
        }
    }
}

/// Whether the CPUs are contended: more threads runnable than CPUs, busy ones that do not answer
/// our waits (another process's, or a Python thread running Python code), so that a yield hands
/// one of them a whole time slice (milliseconds), where a sleep costs a wake-up: a woken thread
/// preempts a CPU-bound one, a yielding thread waits behind it. Beside two busy loops on 2 CPUs,
/// 16 threads relaying calls to an in-process host made 260 calls a second, each waiting for a
/// slice. Found from the yields of this process's threads: a few within a short while, each
/// letting another thread run for a millisecond or more (a peer of ours answering runs for
/// microseconds; one busy that long now and then does not make a few); the waits then yield no
/// more for a while, and find out again after it.
struct Contention {
    /// Yields that gave a time slice away since `run_started_at`.
    slices_given: AtomicU32,
    /// When (the coarse clock, ms) the first of them came.
    run_started_at: AtomicU64,
    /// When the last `CONTENDED_AFTER` of them came within `CONTENDED_WITHIN_MS`; 0: never.
    seen_at: AtomicU64,
    /// How many times that happened: a look at `now` after a while misses a contention that
    /// began and ended meanwhile, a difference of two readings of this does not.
    times_found: AtomicU64,
}

/// A yield that took this long gave a time slice away (a busy thread's slice is a few ms).
const SLICE_GIVEN: Duration = Duration::from_millis(1);

/// How many such yields, within `CONTENDED_WITHIN_MS`, find the CPUs contended.
const CONTENDED_AFTER: u32 = 3;
const CONTENDED_WITHIN_MS: u64 = 100;

/// How long the CPUs count as contended after that (then waits yield again, and find out).
const CONTENDED_FOR_MS: u64 = 500;

static CONTENTION: Contention = Contention::new();

impl Contention {
    const fn new() -> Contention {
        Contention {
            slices_given: AtomicU32::new(0),
            run_started_at: AtomicU64::new(0),
            seen_at: AtomicU64::new(0),
            times_found: AtomicU64::new(0),
        }
    }

    /// Whether the CPUs were found contended lately.
    fn now(&self) -> bool {
        let at = self.seen_at.load(Ordering::Relaxed);
        at != 0 && coarse_ms().saturating_sub(at) < CONTENDED_FOR_MS
    }

    /// Learns from a yield that took `yielded`. Threads racing here may miscount a yield: the
    /// figures are rough by nature.
    fn after_yield(&self, yielded: Duration) {
        if yielded < SLICE_GIVEN {
            return;
        }
        let now = coarse_ms();
        if now.saturating_sub(self.run_started_at.load(Ordering::Relaxed)) >= CONTENDED_WITHIN_MS {
            self.run_started_at.store(now, Ordering::Relaxed);
            self.slices_given.store(1, Ordering::Relaxed);
        } else if self.slices_given.fetch_add(1, Ordering::Relaxed) + 1 >= CONTENDED_AFTER {
            self.seen_at.store(now, Ordering::Relaxed);
            self.times_found.fetch_add(1, Ordering::Relaxed);
        }
    }
}

thread_local! {
    /// This thread's waits look for their whole budget, contended or not (`looking_whole_budget`).
    static WHOLE_BUDGET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with this thread's waits looking for their whole budget even while the CPUs are
/// contended: for tests whose wait stands for a peer that keeps looking until something comes
/// (under a busy test run, a wait that gave up at once would leave them waiting for it).
pub fn looking_whole_budget<R>(f: impl FnOnce() -> R) -> R {
    let before = WHOLE_BUDGET.with(|w| w.replace(true));
    let answer = f();
    WHOLE_BUDGET.with(|w| w.set(before));
    answer
}

/// Whether this process's waits found the CPUs contended lately (they then sleep instead of
/// yielding; see `Contention`).
pub fn contended() -> bool {
    CONTENTION.now()
}

/// How many times so far this process's waits found the CPUs contended: for a measurement, which
/// holds only if the count did not move while it ran (`contended` at its end sees only the last
/// `CONTENDED_FOR_MS`).
pub fn times_found_contended() -> u64 {
    CONTENTION.times_found.load(Ordering::Relaxed)
}

/// The coarse monotonic clock, in nanoseconds: a few loads from the vDSO's page, no system call,
/// about half what the time-stamp counter costs on these VMs (`rdtsc`, 10 ns). Its ticks are
/// 1-4 ms apart. On failure (no such clock: Linux before 2.6.32) it reads 0.
pub fn coarse_nanos() -> u64 {
    coarse_nanos_os()
}

/// The coarse monotonic clock in milliseconds, never 0.
fn coarse_ms() -> u64 {
    coarse_nanos() / 1_000_000 + 1
}

/// How a thread's waits yield the CPU, from how its last wait ended.
///
/// A long yield teaches the wait nothing: not yielding after one, or sleeping at once, would
/// spare CPU-bound threads their slices, but a peer busy for that long (a Python thread between
/// two awaits) looks the same, and a worker that slept at once left the awaits' settlements
/// late. (A run of them across the process does teach something: `Contention`.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Yielding {
    /// Looks first, yields once they found nothing for a few microseconds: the peer answered
    /// while this thread looked (it runs on another CPU), or nothing was learned yet.
    AfterLooks,
    /// The peer answered during a short yield that let another thread run: it shares this CPU.
    AtOnce,
}

impl Yielding {
    /// What a wait that ended right after a yield of `yielded` shows.
    fn after_yield(yielded: Duration) -> Yielding {
        // A long yield gave a time slice to some CPU-bound thread, not to a peer answering: to
        // yield at once would give it the CPU again on every wait.
        if (PEER_RAN..CPU_BOUND_RAN).contains(&yielded) {
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

/// A yield that took this long let a thread run for a time slice, longer than a peer answering.
const CPU_BOUND_RAN: Duration = Duration::from_micros(100);

/// How long the first looks of `spin_until` come without yielding in between.
const BACK_TO_BACK: Duration = Duration::from_micros(5);

const LOOKS_PER_CLOCK: u32 = 16;

/// Whether any of `fds` became readable (or hung up) within `budget`, looking without blocking
/// (at once `false` on a thread confined to one CPU).
#[cfg(unix)]
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

    #[test]
    fn a_wait_that_ended_in_a_short_yield_that_let_a_thread_run_makes_the_next_yield_at_once() {
        assert_eq!(Yielding::after_yield(Duration::from_micros(3)), Yielding::AtOnce);
        // Nothing ran (the system call alone), or a thread ran for a whole time slice.
        assert_eq!(Yielding::after_yield(Duration::from_nanos(400)), Yielding::AfterLooks);
        assert_eq!(Yielding::after_yield(Duration::from_millis(1)), Yielding::AfterLooks);
    }

    #[test]
    fn a_wait_that_yields_at_once_still_finds_what_comes() {
        if !several_cpus() {
            return;
        }
        YIELDING.with(|y| y.set(Yielding::AtOnce));
        let mut looks = 0;
        let ready = || {
            looks += 1;
            looks > 100
        };
        assert!(looking_whole_budget(|| spin_until(ready, Duration::from_secs(5))));
    }

    #[test]
    fn a_few_yields_that_give_time_slices_away_make_the_cpus_contended_for_a_while() {
        let slice = Duration::from_millis(3);
        let c = Contention::new();
        c.after_yield(slice);
        c.after_yield(slice);
        // Peers of ours answering, or busy a moment: no slice given away.
        c.after_yield(Duration::from_micros(2));
        c.after_yield(Duration::from_micros(300));
        assert!(!c.now(), "two slices given away");
        assert_eq!(c.times_found.load(Ordering::Relaxed), 0);
        c.after_yield(slice);
        assert!(c.now(), "three");
        assert_eq!(c.times_found.load(Ordering::Relaxed), 1);
        c.seen_at.store(coarse_ms() - CONTENDED_FOR_MS, Ordering::Relaxed);
        assert!(!c.now(), "found out long enough ago: the waits yield again");
        // Slices given away far apart do not add up.
        let c = Contention::new();
        c.after_yield(slice);
        c.after_yield(slice);
        c.run_started_at.store(coarse_ms() - CONTENDED_WITHIN_MS, Ordering::Relaxed);
        c.after_yield(slice);
        assert!(!c.now(), "the first two came too long before");
    }

    #[test]
    #[cfg(unix)]
    fn sees_data_and_gives_up_without_it() {
        use std::io::Write;
        use std::os::fd::AsRawFd;
        use std::os::unix::net::UnixStream;
        let (mut a, b) = UnixStream::pair().unwrap();
        let start = Instant::now();
        assert!(!spin_until_readable(&[b.as_raw_fd()], Duration::from_micros(200)));
        // A busy machine (this process's yields giving time slices away) ends the look early.
        if several_cpus() && !contended() {
            assert!(start.elapsed() >= Duration::from_micros(200));
        }
        a.write_all(b"x").unwrap();
        assert_eq!(spin_until_readable(&[b.as_raw_fd()], Duration::from_secs(5)), several_cpus());
    }
}
