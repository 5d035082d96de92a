//! `linux.rs`'s twin on macOS, which has no `/proc`: each process's children are asked of the
//! kernel (`proc_listpids` with `PROC_PPID_ONLY`, libproc's call).

/// The most children one process is asked for at a time; more are found on the next round of
/// the caller's walk (the teardown repeats until none is left).
const MOST_CHILDREN: usize = 4096;

/// libproc.h's `PROC_PPID_ONLY`: `proc_listpids` lists the processes whose parent is its
/// `typeinfo` (the libc crate does not name it).
const PROC_PPID_ONLY: u32 = 6;

/// Every process below `pid` (at most 100,000: a fork bomb must not make the walk endless).
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for c in children(p) {
            if !found.contains(&c) && found.len() < 100_000 {
                found.push(c);
                todo.push(c);
            }
        }
    }
    found
}

/// The processes whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let mut pids = vec![0 as libc::pid_t; MOST_CHILDREN];
    let bytes = (pids.len() * size_of::<libc::pid_t>()) as libc::c_int;
    // SAFETY: the buffer holds `bytes` bytes, all the call may write; it answers how many it wrote.
    let wrote = unsafe { libc::proc_listpids(PROC_PPID_ONLY, pid, pids.as_mut_ptr().cast(), bytes) };
    let count = usize::try_from(wrote).unwrap_or(0) / size_of::<libc::pid_t>();
    pids.truncate(count.min(MOST_CHILDREN));
    pids.into_iter().filter_map(|p| u32::try_from(p).ok().filter(|&p| p != 0)).collect()
}
