//! The reader of the hosts' pipes on Linux and macOS: one thread, woken when a pipe is readable
//! (`Readiness`: epoll on Linux, `linux.rs`; kqueue on macOS, `kqueue.rs`); the twin of
//! `windows.rs`.

use std::collections::HashMap;
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};

use super::super::{next_id, Pipe};
use super::Readiness;

/// The thread reading every host's pipes, woken by epoll (kqueue on macOS).
pub(in crate::link::host_output) struct Reader {
    ready: Readiness,
    pipes: Mutex<HashMap<u64, Pipe>>,
}

impl Reader {
    pub(in crate::link::host_output) fn start() -> std::io::Result<Arc<Reader>> {
        let reader = Arc::new(Reader { ready: Readiness::new()?, pipes: Mutex::default() });
        let theirs = reader.clone();
        std::thread::Builder::new().name("napi-hostd-output".into()).spawn(move || theirs.run())?;
        Ok(reader)
    }

    pub(in crate::link::host_output) fn add(&self, pipe: Pipe) -> std::io::Result<()> {
        let fd = pipe.file.as_raw_fd();
        // SAFETY: fcntl on a descriptor `pipe` owns; non-blocking, so that a wake-up that finds
        // nothing (another reader of an inherited copy took it) never stalls the other hosts.
        if unsafe { libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK) } == -1 {
            return Err(std::io::Error::last_os_error());
        }
        let key = next_id();
        let mut pipes = self.pipes.lock().unwrap();
        self.ready.add(fd, key)?;
        pipes.insert(key, pipe);
        Ok(())
    }

    /// Reads each pipe as it has bytes, at most a buffer at a time (level-triggered: the rest
    /// comes on the next turn, after the other hosts'), until it ends.
    fn run(&self) {
        let mut keys = Vec::with_capacity(64);
        let mut buf = vec![0u8; 64 << 10];
        loop {
            if let Err(e) = self.ready.wait(&mut keys) {
                if e.kind() == ErrorKind::Interrupted {
                    continue;
                }
                tracing::error!("the host output reader stopped: {e}");
                return;
            }
            for &key in &keys {
                let mut pipes = self.pipes.lock().unwrap();
                let Some(pipe) = pipes.get_mut(&key) else { continue };
                match pipe.file.read(&mut buf) {
                    Ok(0) => {}
                    Ok(n) => {
                        pipe.output.push(pipe.stream, &buf[..n], &mut pipe.partial);
                        continue;
                    }
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => continue,
                    Err(_) => {}
                }
                // Ended: closing the pipe takes it out of the epoll set.
                let Pipe { output, stream, partial, .. } = pipes.remove(&key).expect("just found");
                drop(pipes);
                output.end(stream, partial);
            }
        }
    }
}
