//! The host's end of the socket. The JS thread is its only reader and writer: a request is read,
//! served and answered on one thread, with no hand-off between threads on the call path.

use std::io::{BufReader, BufWriter, Write};
use std::os::fd::{BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use napi_protocol::frame::{encode, read_message, write_message, FrameError};
use napi_protocol::shm::{send_with_fd, FdQueue, FdReader};
use napi_protocol::{ClientMessage, ServerMessage, DEFAULT_MAX_FRAME};

use super::port::Port;

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
}

impl Port for Connection {
    fn take_fd(&mut self) -> Option<OwnedFd> {
        self.fds.lock().unwrap().pop_front()
    }

    /// The descriptor rides on the announcement's frame, on every socket.
    fn announce(&mut self, id: u32, size: u64, fd: BorrowedFd<'_>) -> Result<(), FrameError> {
        let frame = encode(&ServerMessage::Segment { id, size })?;
        let writers = std::iter::once(&mut self.writer).chain(self.events.as_mut());
        for w in writers {
            w.flush()?;
            send_with_fd(w.get_ref(), &frame, fd)?;
        }
        Ok(())
    }

    fn send_event(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        match &mut self.events {
            Some(w) => {
                write_message(w, &msg)?;
                w.flush()?;
                Ok(())
            }
            None => self.send(msg),
        }
    }

    /// A frame already buffered counts as sent.
    fn wait_readable(&mut self, events: RawFd) -> bool {
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

    fn recv(&mut self) -> Result<ClientMessage, FrameError> {
        if self.reader.buffer().is_empty() {
            // A Python callback's answer usually comes within microseconds: look before sleeping.
            use std::os::fd::AsRawFd;
            napi_protocol::spin::spin_until_readable(&[self.reader.get_ref().stream().as_raw_fd()], napi_protocol::spin::SPIN);
        }
        read_message(&mut self.reader, DEFAULT_MAX_FRAME)
    }

    /// Written in one go with the next `send`.
    fn send_later(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        write_message(&mut self.writer, &msg)
    }

    fn send(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        write_message(&mut self.writer, &msg)?;
        self.writer.flush()?;
        Ok(())
    }
}
