//! The processes below a process, read from the kernel's per-thread child lists: what the host
//! kills when it exits (its teardown) and what the client kills beside a host's group.

/// Every process below `pid` (at most 100,000: a fork bomb must not make the walk endless).
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else { continue };
        for task in tasks.flatten() {
            let Ok(children) = std::fs::read_to_string(task.path().join("children")) else { continue };
            for c in children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()) {
                if !found.contains(&c) && found.len() < 100_000 {
                    found.push(c);
                    todo.push(c);
                }
            }
        }
    }
    found
}
