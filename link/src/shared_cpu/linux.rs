//! A thread that finds itself on the CPU of the peer it hands work to, while another CPU it may
//! use is idle, moves there. Two pairs meet this: a Python thread calling an isolated host (the
//! host's serving thread, a process of its own), and an in-process host thread woken by the
//! Python thread that relays a call to it.
//!
//! Both sides of a round trip spin, so each needs a CPU of its own. The kernel often places a
//! woken thread on its waker's CPU: the Python thread that gets the GIL on the CPU where its host
//! spins (every CPU is busy at that moment, and the thread that let go of the GIL goes to
//! sleep), an in-process host thread rung awake on its caller's. The other CPU then idles while
//! the two hand one CPU to each other with a yield per message, several microseconds a round
//! trip instead of one, and the kernel's balancing leaves them so (it moves no thread that ran a
//! moment ago): until the next change of GIL holder, up to 5 ms (16 threads making `add`s: a CPU
//! idle 27% of the time, and 0.8x one thread's calls), and for a relayed pair as long as the calls
//! come (rounds of 2,000 napi-rs `addI32` calls 10 ms apart: 1.7-2.1 µs a call once paired,
//! against 0.95 apart).
//!
//! A calling thread looks for a sign, a reply that came right after the look's first pause
//! (`ClientEnd::poll`): the yield let the host run here ([`after_pause`]). An in-process host
//! thread knows its waker's CPU and checks once it is awake ([`after_woken_by`]). Either checks
//! that the two share a CPU and that no more threads are runnable than it may use CPUs before
//! it moves: its allowed CPUs are narrowed to the others for a moment, which the kernel obeys
//! at once, and restored. Each check costs some microseconds, so after one a calling thread lets
//! the next signs pass (`PASS`, more after checks that found no CPU idle).

use std::cell::Cell;
use std::mem::{size_of, zeroed};

/// What a check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    /// The host ran elsewhere (a sign from a pause that had another cause).
    Apart,
    /// This thread moved off the host's CPU.
    Moved,
    /// No other CPU was idle.
    NoRoom,
}

/// Signs a thread lets pass after a check that found the host elsewhere or moved it: the next
/// few, some hundreds of microseconds' worth when they come call after call.
const PASS: u32 = 64;

/// The most signs a thread lets pass after checks that found no CPU idle, one after another:
/// a busy machine keeps the pair together every call (a yield to the host is then the best
/// there is), and a check every few calls would cost more than it saves. The count doubles from
/// `PASS` with each such check, since the threads of this very process (ones woken to wait for
/// the GIL) may be the runnable ones a check counts, for a moment.
const MOST_PASSED: u32 = 8192;

thread_local! {
    /// Signs this thread lets pass before it checks again, and how many it let pass after its
    /// last check.
    static PASSING: Cell<(u32, u32)> = const { Cell::new((0, 0)) };
}

/// What the facts of a check call for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Apart,
    NoRoom,
    /// Move off CPU `0`, this thread's and the host's.
    Move(usize),
}

/// `ours`: the CPU this thread runs on; `hosts`: the host's; `runnable`: threads runnable on
/// the machine, this one and the host among them; `allowed`: CPUs this thread may use.
fn verdict(ours: usize, hosts: usize, runnable: u32, allowed: u32) -> Verdict {
    if ours != hosts {
        Verdict::Apart
    } else if allowed < 2 || runnable > allowed {
        // With this thread and the host on one CPU, `allowed` runnable threads or fewer leave
        // one of the CPUs idle (as far as these counts, taken a moment apart, can tell).
        Verdict::NoRoom
    } else {
        Verdict::Move(ours)
    }
}

/// How many signs to let pass after a check found `found`, the last check having let `last` pass.
fn passed(found: Found, last: u32) -> u32 {
    match found {
        Found::Apart | Found::Moved => PASS,
        Found::NoRoom => (last * 2).clamp(PASS, MOST_PASSED),
    }
}

/// A reply came right after the look's first pause: checks, unless this thread lets the sign
/// pass, whether it shares its CPU with host `pid` while another is idle, and if so moves.
pub fn after_pause(pid: u32) {
    let (passing, last) = PASSING.with(Cell::get);
    if passing > 0 {
        PASSING.with(|p| p.set((passing - 1, last)));
        return;
    }
    let pass = passed(check(pid), last);
    PASSING.with(|p| p.set((pass, pass)));
}

/// This thread was woken by a peer that runs on CPU `peer_cpu` and will wait for it, spinning:
/// the kernel often places a thread woken so on its waker's CPU, though another is idle. Moves
/// off if it shares the peer's CPU and another CPU it may use is idle; answers whether it moved.
pub fn after_woken_by(peer_cpu: usize) -> bool {
    unless_no_room_lately(crate::spin::coarse_nanos(), || settle(Some(peer_cpu))) == Found::Moved
}

/// What `check` finds, unless a check of this thread found no CPU idle less than
/// `RECHECK_NO_ROOM_NANOS` before `now` (then no room, unchecked): beside a busy process a
/// relayed call's host thread is rung awake every few calls, and each check read `/proc/loadavg`
/// and the affinity to find the same again.
fn unless_no_room_lately(now: u64, check: impl FnOnce() -> Found) -> Found {
    if now < NO_ROOM_UNTIL.with(Cell::get) {
        return Found::NoRoom;
    }
    let found = check();
    if found == Found::NoRoom {
        NO_ROOM_UNTIL.with(|u| u.set(now + RECHECK_NO_ROOM_NANOS));
    }
    found
}

/// How long a thread woken by its peer lets wake-ups pass unchecked after a check found no CPU
/// idle: some hundreds of a busy machine's rings, while a relayed burst that comes now and then
/// (and rings once) is checked as before.
const RECHECK_NO_ROOM_NANOS: u64 = 10_000_000;

thread_local! {
    /// Until when (the coarse clock, ns) this thread's wake-ups pass unchecked (`after_woken_by`).
    static NO_ROOM_UNTIL: Cell<u64> = const { Cell::new(0) };
}

fn check(pid: u32) -> Found {
    settle(cpu_of(pid))
}

/// Moves this thread off its CPU if `peers` (the peer's CPU) is that one and another is idle.
fn settle(peers: Option<usize>) -> Found {
    let (Some(ours), Some(peers)) = (this_cpu(), peers) else {
        return Found::NoRoom;
    };
    // Apart: known from two CPU numbers, before the system calls that count runnable threads
    // and allowed CPUs.
    if ours != peers {
        return Found::Apart;
    }
    let (Some(runnable), Some(mut allowed)) = (runnable(), allowed_cpus()) else {
        return Found::NoRoom;
    };
    // SAFETY: counts the bits of an initialised set.
    let count = unsafe { libc::CPU_COUNT(&allowed) } as u32;
    match verdict(ours, peers, runnable, count) {
        Verdict::Apart => Found::Apart,
        Verdict::NoRoom => Found::NoRoom,
        Verdict::Move(cpu) => {
            move_off(cpu, &mut allowed);
            Found::Moved
        }
    }
}

/// Moves this thread off `cpu`, one of `allowed` (its allowed CPUs, at least two): the kernel
/// migrates a thread at once when its CPU is taken from it; then the set is given back whole,
/// which moves nothing. Answers the CPU it was on in between.
fn move_off(cpu: usize, allowed: &mut libc::cpu_set_t) -> Option<usize> {
    let whole = *allowed;
    // SAFETY: a valid set, and `cpu` one of its CPUs' numbers (below `CPU_SETSIZE`); the call
    // gets a set of the size given, for this thread (0). Refused (the CPUs left are no longer
    // this process's to use), nothing changed and nothing is to be given back.
    if unsafe {
        libc::CPU_CLR(cpu, allowed);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), allowed)
    } != 0
    {
        return None;
    }
    let moved_to = this_cpu();
    // The set it had, given back: a set the kernel took a moment ago is taken again (it keeps
    // to the CPUs the process may use), and a thread left narrower would stay so for its life.
    // SAFETY: as above.
    if unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &whole) } != 0 {
        tracing::warn!("could not give a thread its allowed CPUs back: {}", std::io::Error::last_os_error());
    }
    moved_to
}

/// The CPU this thread runs on (a read of the vDSO or of the rseq area, no system call on
/// current kernels and C libraries).
pub fn this_cpu() -> Option<usize> {
    // SAFETY: no arguments.
    usize::try_from(unsafe { libc::sched_getcpu() }).ok()
}

/// The CPUs this thread may use.
fn allowed_cpus() -> Option<libc::cpu_set_t> {
    // SAFETY: a zeroed cpu_set_t is valid, and the call writes at most its size.
    unsafe {
        let mut set: libc::cpu_set_t = zeroed();
        (libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) == 0).then_some(set)
    }
}

/// The CPU process `pid`'s main thread (a host's serving thread) last ran on.
fn cpu_of(pid: u32) -> Option<usize> {
    stat_cpu(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The `processor` field of a `/proc/PID/stat` line: the 37th after the command, whose name in
/// parentheses may hold spaces and parentheses of its own.
fn stat_cpu(stat: &str) -> Option<usize> {
    stat.rsplit_once(')')?.1.split_whitespace().nth(36)?.parse().ok()
}

/// The threads runnable on the machine now (`/proc/loadavg`'s fourth field, before the slash).
fn runnable() -> Option<u32> {
    loadavg_runnable(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

fn loadavg_runnable(loadavg: &str) -> Option<u32> {
    loadavg.split_whitespace().nth(3)?.split_once('/')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_moves_only_off_its_hosts_cpu_and_only_when_one_is_idle() {
        assert_eq!(verdict(0, 1, 2, 2), Verdict::Apart);
        assert_eq!(verdict(1, 1, 2, 2), Verdict::Move(1), "this thread and the host: the other CPU idles");
        assert_eq!(verdict(1, 1, 3, 2), Verdict::NoRoom, "a third runnable thread has the other CPU");
        assert_eq!(verdict(0, 0, 1, 1), Verdict::NoRoom, "one CPU allowed");
        assert_eq!(verdict(3, 3, 4, 8), Verdict::Move(3));
    }

    #[test]
    fn checks_that_find_no_room_one_after_another_let_more_signs_pass_up_to_a_bound() {
        let mut last = 0;
        let mut seen = Vec::new();
        for _ in 0..10 {
            last = passed(Found::NoRoom, last);
            seen.push(last);
        }
        assert_eq!(seen, [64, 128, 256, 512, 1024, 2048, 4096, 8192, 8192, 8192]);
        assert_eq!(passed(Found::Moved, last), PASS, "a move starts over");
        assert_eq!(passed(Found::NoRoom, PASS), 2 * PASS);
    }

    #[test]
    fn the_fields_read_are_the_right_ones() {
        let stat = "4242 (napi (host) d) S 1 4242 4242 0 -1 4194560 306 0 0 0 2 1 0 0 20 0 1 0 \
                    1234 1000000 500 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 5 0 0 0 0 0";
        assert_eq!(stat_cpu(stat), Some(5));
        assert_eq!(loadavg_runnable("0.52 0.61 0.70 3/187 4242\n"), Some(3));
        // This process's own line, read while this thread is held on one CPU.
        let whole = allowed_cpus().unwrap();
        // SAFETY: sets and bits of valid cpu_set_t values, CPU numbers below CPU_SETSIZE; the
        // affinity calls are for this thread, with the size of the set given.
        let read = unsafe {
            let mut one: libc::cpu_set_t = zeroed();
            let cpu = (0..libc::CPU_SETSIZE as usize).find(|&c| libc::CPU_ISSET(c, &whole)).unwrap();
            libc::CPU_SET(cpu, &mut one);
            libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &one);
            let read = std::fs::read_to_string("/proc/thread-self/stat").ok().and_then(|s| stat_cpu(&s));
            libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &whole);
            read.map(|r| (r, cpu))
        };
        let (read, cpu) = read.unwrap();
        assert_eq!(read, cpu);
    }

    #[test]
    fn a_move_leaves_the_cpu_and_gives_the_allowed_set_back() {
        let whole = allowed_cpus().unwrap();
        // SAFETY: counts the bits of a valid set.
        if unsafe { libc::CPU_COUNT(&whole) } < 2 {
            return; // nowhere to move to
        }
        let cpu = this_cpu().unwrap();
        let mut allowed = whole;
        let moved_to = move_off(cpu, &mut allowed).unwrap();
        assert_ne!(moved_to, cpu);
        let after = allowed_cpus().unwrap();
        // SAFETY: reads bits of valid sets; `moved_to` is a CPU number the kernel gave.
        let (was_allowed, whole_again) = unsafe { (libc::CPU_ISSET(moved_to, &whole), libc::CPU_EQUAL(&after, &whole)) };
        assert!(was_allowed);
        assert!(whole_again, "the allowed set is whole again");
    }

    #[test]
    fn a_woken_thread_checks_again_only_a_while_after_a_check_found_no_room() {
        let mut checks = 0;
        let mut check = |found| {
            checks += 1;
            found
        };
        let start = 1_000_000_000;
        assert_eq!(unless_no_room_lately(start, || check(Found::NoRoom)), Found::NoRoom);
        assert_eq!(unless_no_room_lately(start + 1, || check(Found::Moved)), Found::NoRoom, "not checked");
        let later = start + RECHECK_NO_ROOM_NANOS;
        assert_eq!(unless_no_room_lately(later, || check(Found::Apart)), Found::Apart);
        assert_eq!(unless_no_room_lately(later + 1, || check(Found::Moved)), Found::Moved, "apart: checked each time");
        assert_eq!(checks, 3);
    }

    #[test]
    fn a_thread_woken_by_a_peer_on_another_cpu_stays_where_it_is() {
        // A CPU number no machine here has: never this thread's.
        let elsewhere = 1 << 20;
        assert!(!after_woken_by(elsewhere));
        assert_eq!(settle(Some(elsewhere)), Found::Apart);
    }
}
