//! Ending what the addon started: as the subreaper of everything it forked, the host still
//! has every descendant below it (daemons that left its process group included) until it
//! exits, so it kills them all on the way out (issue 6: nothing survives the teardown).

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

fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else { continue };
        for task in tasks.flatten() {
            let Ok(children) = std::fs::read_to_string(task.path().join("children")) else { continue };
            for c in children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()) {
                if !found.contains(&c) {
                    found.push(c);
                    todo.push(c);
                }
            }
        }
    }
    found
}
