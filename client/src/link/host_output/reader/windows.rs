//! The reader of the hosts' pipes on Windows, the twin of `unix.rs`: an
//! anonymous pipe cannot be waited on with others (no epoll, and no overlapped reads on the pipes
//! `std::process` makes), so each pipe gets a thread of its own that reads until the host closes it.

use std::io::{ErrorKind, Read};
use std::sync::Arc;

use super::super::Pipe;

pub(in crate::link::host_output) struct Reader;

impl Reader {
    pub(in crate::link::host_output) fn start() -> std::io::Result<Arc<Reader>> {
        Ok(Arc::new(Reader))
    }

    pub(in crate::link::host_output) fn add(&self, mut pipe: Pipe) -> std::io::Result<()> {
        let name = format!("napi-hostd-{}", pipe.stream.name());
        std::thread::Builder::new().name(name).spawn(move || {
            let mut buf = vec![0u8; 64 << 10];
            loop {
                match pipe.file.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => pipe.output.push(pipe.stream, &buf[..n], &mut pipe.partial),
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let Pipe { output, stream, partial, .. } = pipe;
            output.end(stream, partial);
        })?;
        Ok(())
    }
}
