//! The socket watchdog: a host whose client has hung up ends even when its JS thread is stuck in
//! addon code and will never read the socket again. The parent-death signal covers a
//! client process that dies; this covers a client that closed the connection and went on.

use std::time::Duration;

/// How long the JS thread gets after the hang-up to notice it and run the addons' cleanup hooks
/// (the client waits as long before it kills the group itself).
const GRACE: Duration = Duration::from_secs(2);

/// Watches `fd` from a thread of its own; exits the process `GRACE` after the peer hangs up.
pub fn watch(fd: i32) -> std::io::Result<()> {
    std::thread::Builder::new().name("napi-hostd-watchdog".into()).spawn(move || {
        // Only hang-up events: POLLIN would wake for every request the JS thread will read.
        let mut pfd = libc::pollfd { fd, events: napi_link::posix::PEER_HUNG_UP, revents: 0 };
        loop {
            // SAFETY: one valid pollfd, for as long as the call.
            let n = unsafe { libc::poll(&mut pfd, 1, -1) };
            if n > 0 && pfd.revents & (napi_link::posix::PEER_HUNG_UP | libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                break;
            }
        }
        std::thread::sleep(GRACE);
        eprintln!("napi-hostd: the client hung up {GRACE:?} ago and the addon did not return; exiting");
        napi_hostd::teardown::kill_descendants();
        // SAFETY: _exit ends the process without running anything of the stuck JS thread's.
        unsafe { libc::_exit(4) };
    })?;
    Ok(())
}
