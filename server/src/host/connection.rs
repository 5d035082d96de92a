//! The host's end of the socket. The JS thread is its only reader and writer: a request is read,
//! served and answered on one thread, with no hand-off between threads on the call path.

use std::io::{BufReader, BufWriter, Write};
use std::os::unix::net::UnixStream;

use napi_protocol::frame::{read_message, write_message, FrameError};
use napi_protocol::{ClientMessage, ServerMessage, DEFAULT_MAX_FRAME};

pub struct Connection {
    reader: BufReader<UnixStream>,
    writer: BufWriter<UnixStream>,
}

impl Connection {
    pub fn new(stream: UnixStream) -> std::io::Result<Connection> {
        let reader = BufReader::with_capacity(64 << 10, stream.try_clone()?);
        Ok(Connection { reader, writer: BufWriter::with_capacity(64 << 10, stream) })
    }

    /// The next message; `Err` once the client is gone or sent something undecodable.
    pub fn recv(&mut self) -> Result<ClientMessage, FrameError> {
        read_message(&mut self.reader, DEFAULT_MAX_FRAME)
    }

    pub fn send(&mut self, msg: &ServerMessage) -> Result<(), FrameError> {
        write_message(&mut self.writer, msg)?;
        self.writer.flush()?;
        Ok(())
    }
}
