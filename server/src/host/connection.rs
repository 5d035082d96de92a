//! The host's end of the socket. The JS thread is its only reader and writer: a request is read,
//! served and answered on one thread, with no hand-off between threads on the call path.

use std::io::{BufReader, BufWriter, Write};
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

use napi_protocol::frame::{encode, read_message, write_message, FrameError};
use napi_protocol::shm::{send_with_fd, FdQueue, FdReader};
use napi_protocol::{ClientMessage, ServerMessage, DEFAULT_MAX_FRAME};

pub struct Connection {
    reader: BufReader<FdReader>,
    /// Descriptors the client sent (its segments), claimed by their announcements.
    fds: FdQueue,
    writer: BufWriter<UnixStream>,
    /// Messages no request asked for (event-turn calls, settlements, uncaught exceptions).
    events: Option<BufWriter<UnixStream>>,
}

impl Connection {
    pub fn new(stream: UnixStream, events: Option<UnixStream>) -> std::io::Result<Connection> {
        let reader = FdReader::new(stream.try_clone()?);
        let fds = reader.fds();
        let reader = BufReader::with_capacity(64 << 10, reader);
        Ok(Connection { reader, fds, writer: BufWriter::with_capacity(64 << 10, stream), events: events.map(BufWriter::new) })
    }

    /// The descriptor of the segment the client just announced.
    pub fn take_fd(&mut self) -> Option<OwnedFd> {
        self.fds.lock().unwrap().pop_front()
    }

    /// Announces a segment of the host's on every socket, its descriptor riding on the frame:
    /// whichever socket first carries a value in it, the client knows it by then.
    pub fn announce(&mut self, msg: &ServerMessage, fd: BorrowedFd<'_>) -> Result<(), FrameError> {
        let frame = encode(msg)?;
        let writers = std::iter::once(&mut self.writer).chain(self.events.as_mut());
        for w in writers {
            w.flush()?;
            send_with_fd(w.get_ref(), &frame, fd)?;
        }
        Ok(())
    }

    pub fn send_event(&mut self, msg: &ServerMessage) -> Result<(), FrameError> {
        match &mut self.events {
            Some(w) => {
                write_message(w, msg)?;
                w.flush()?;
                Ok(())
            }
            None => self.send(msg),
        }
    }

    /// Waits until the client has sent something (true) or `events` is readable (false): what
    /// the JS thread does when it has nothing to run. A frame already buffered counts as sent.
    pub fn wait_readable(&mut self, events: std::os::fd::RawFd) -> bool {
        use std::os::fd::AsRawFd;
        if !self.reader.buffer().is_empty() {
            return true;
        }
        let client = self.reader.get_ref().stream().as_raw_fd();
        // The client's next request often follows within microseconds: look before sleeping.
        napi_protocol::spin::spin_until_readable(&[client, events], napi_protocol::spin::SPIN);
        let mut fds = [
            libc::pollfd { fd: client, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: events, events: libc::POLLIN, revents: 0 },
        ];
        loop {
            // SAFETY: two valid pollfd entries for descriptors this process owns.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
            if n >= 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                break;
            }
        }
        // The client first: events run at the top of every turn anyway, and threads that post
        // without pause must not starve the client's messages (its hang-up above all). A
        // hung-up or failed socket reads as "sent", so `recv` reports it.
        fds[0].revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0
    }

    /// The next message; `Err` once the client is gone or sent something undecodable.
    pub fn recv(&mut self) -> Result<ClientMessage, FrameError> {
        if self.reader.buffer().is_empty() {
            // A Python callback's answer usually comes within microseconds: look before sleeping.
            use std::os::fd::AsRawFd;
            napi_protocol::spin::spin_until_readable(&[self.reader.get_ref().stream().as_raw_fd()], napi_protocol::spin::SPIN);
        }
        read_message(&mut self.reader, DEFAULT_MAX_FRAME)
    }

    /// Buffers `msg` for the next `send`, which writes both at once.
    pub fn send_later(&mut self, msg: &ServerMessage) -> Result<(), FrameError> {
        write_message(&mut self.writer, msg)
    }

    pub fn send(&mut self, msg: &ServerMessage) -> Result<(), FrameError> {
        write_message(&mut self.writer, msg)?;
        self.writer.flush()?;
        Ok(())
    }
}
