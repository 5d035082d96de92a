//! How a host process ended, which each platform's way of waiting for it answers
//! (`host_process/`, on Windows its `job_object.rs`).

/// How the host ended: its wait status and its peak resident memory.
#[derive(Clone, Copy)]
pub struct Exit {
    pub status: i32,
    pub max_rss_kib: i64,
}
