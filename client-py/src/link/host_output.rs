//! The host's stdout and stderr: drained as fast as the host writes (so it never blocks on a
//! full pipe), the tail of stderr kept for crash reports, and whole lines queued for Python's
//! `logging` up to a cap; past the cap lines are counted and dropped, not buffered.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How much of the host's stderr is kept for crash reports.
const STDERR_TAIL: usize = 16 << 10;
/// Lines waiting for Python at most; a host that writes faster loses lines, never blocks.
const QUEUE_LINES: usize = 4096;
/// A longer line is cut (a binary blob on stdout would otherwise be one huge "line").
const LINE_BYTES: usize = 4096;

/// Which stream a line came from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

#[derive(Default)]
struct State {
    tail: VecDeque<u8>,
    lines: VecDeque<(Stream, String)>,
    dropped: u64,
    /// Streams still open (starts at 2).
    open: u8,
}

/// Both streams of one host.
pub struct Output {
    state: Mutex<State>,
    changed: Condvar,
}

impl Output {
    pub fn new() -> Arc<Output> {
        Arc::new(Output { state: Mutex::new(State { open: 2, ..State::default() }), changed: Condvar::new() })
    }

    /// The output of a host with no streams of its own (a host thread writes to ours).
    pub fn none() -> Arc<Output> {
        Arc::new(Output { state: Mutex::new(State::default()), changed: Condvar::new() })
    }

    /// Drains `pipe` on a thread of its own until the host closes it.
    pub fn drain(self: &Arc<Self>, stream: Stream, mut pipe: impl Read + Send + 'static, pid: u32) -> std::io::Result<()> {
        let out = self.clone();
        std::thread::Builder::new().name(format!("napi-hostd-{pid}-{}", stream.name())).spawn(move || {
            let mut buf = vec![0u8; 64 << 10];
            let mut partial = Vec::new();
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => out.push(stream, &buf[..n], &mut partial),
                }
            }
            out.end(stream, partial);
        })?;
        Ok(())
    }

    fn push(&self, stream: Stream, bytes: &[u8], partial: &mut Vec<u8>) {
        let mut s = self.state.lock().unwrap();
        if stream == Stream::Stderr {
            s.tail.extend(bytes);
            let excess = s.tail.len().saturating_sub(STDERR_TAIL);
            s.tail.drain(..excess);
        }
        let mut rest = bytes;
        let mut queued = false;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            let (line, after) = rest.split_at(nl);
            rest = &after[1..];
            if s.lines.len() >= QUEUE_LINES {
                s.dropped += 1;
                partial.clear();
                continue;
            }
            keep(partial, line);
            s.lines.push_back((stream, String::from_utf8_lossy(partial).into_owned()));
            partial.clear();
            queued = true;
        }
        keep(partial, rest);
        if queued {
            self.changed.notify_all();
        }
    }

    fn end(&self, stream: Stream, partial: Vec<u8>) {
        let mut s = self.state.lock().unwrap();
        if !partial.is_empty() && s.lines.len() < QUEUE_LINES {
            s.lines.push_back((stream, String::from_utf8_lossy(&partial).into_owned()));
        }
        s.open -= 1;
        self.changed.notify_all();
    }

    /// The stderr tail as text, after waiting up to `wait` for both streams to end (so a crash
    /// report includes what the host wrote as it died).
    pub fn stderr_tail(&self, wait: Duration) -> String {
        let s = self.state.lock().unwrap();
        let (s, _) = self.changed.wait_timeout_while(s, wait, |s| s.open > 0).unwrap();
        String::from_utf8_lossy(&s.tail.iter().copied().collect::<Vec<u8>>()).into_owned()
    }

    /// The lines queued so far (waiting up to `wait` for one), with a note for dropped ones;
    /// `None` once both streams have ended and everything was taken.
    pub fn take_lines(&self, wait: Duration) -> Option<Vec<(&'static str, String)>> {
        let s = self.state.lock().unwrap();
        let (mut s, _) = self.changed.wait_timeout_while(s, wait, |s| s.lines.is_empty() && s.dropped == 0 && s.open > 0).unwrap();
        if s.lines.is_empty() && s.dropped == 0 && s.open == 0 {
            return None;
        }
        let mut lines: Vec<_> = s.lines.drain(..).map(|(st, l)| (st.name(), l)).collect();
        if s.dropped > 0 {
            lines.push(("dropped", format!("[napi-hostd wrote faster than it could be logged: {} lines dropped]", s.dropped)));
            s.dropped = 0;
        }
        Some(lines)
    }
}

/// Appends to a line being assembled, up to the line cap.
fn keep(partial: &mut Vec<u8>, bytes: &[u8]) {
    let room = LINE_BYTES.saturating_sub(partial.len());
    partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
}
