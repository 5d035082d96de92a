//! Waits on the link that the tests of both platforms share (`common`, `windows_common`).

use std::time::{Duration, Instant};

use napi_client::session::Session;

/// Returns once a thread of `session` reads its link: that thread is then past its look at the
/// host's end, and only the end's wake-up ends its wait.
pub fn until_a_thread_reads_the_link(session: &Session) {
    let by = Instant::now() + Duration::from_secs(30);
    while !session.channel().reading() {
        assert!(Instant::now() < by, "no thread read the link within 30 s");
        std::thread::yield_now();
    }
}
