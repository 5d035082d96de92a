//! Ending what the addon started: as the subreaper of everything it forked, the host still
//! has every descendant below it (daemons that left its process group included) until it
//! exits, so it kills them all on the way out (nothing survives the teardown).

use napi_link::process_tree::descendants;

/// Kills every descendant of this process; each round first stops what it finds, so that
/// nothing forks while the tree is walked, and ends when no descendant is left.
pub fn kill_descendants() {
    for _ in 0..16 {
        let found = descendants(std::process::id());
        if found.is_empty() {
            return;
        }
        for &p in &found {
            // SAFETY: kill with integer arguments; each pid is our descendant (not yet reaped,
            // since only we reap our children, so it cannot have been reused).
            unsafe { libc::kill(p as i32, libc::SIGSTOP) };
        }
        for &p in &found {
            // SAFETY: as above.
            unsafe { libc::kill(p as i32, libc::SIGKILL) };
        }
        // Reap what was ours (orphans adopted by a subreaper are its children).
        // SAFETY: waitpid with a null status pointer is allowed.
        while unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) } > 0 {}
    }
}
