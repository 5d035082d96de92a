//! The compact call: the commonest request (a call of a function the client holds, on an
//! object it holds or on nothing, with a few primitives, short strings or short `bytes` as its
//! arguments) and the commonest reply (a primitive), in a fixed layout read and written where
//! it lies, with no value tree, no allocation and no varints. Every other request and reply
//! goes as a bincode message ([`crate::codec`]); a compact frame is told apart by its first
//! byte, which no message of the protocol starts with (bincode writes an enum's variant index
//! first, and neither side's message type has as many variants).
//!
//! A call's payload: [`QUICK_CALL`], the argument count (at most [`QUICK_ARGS`]), whether a
//! receiver follows (0 or 1), then the request id, its chain, the function's object id and the
//! receiver's (0 when none) as little-endian `u64`s, then each argument: its [`kind`](kind),
//! and for a number its `f64`, for a string or bytes a length byte (at most [`QUICK_ITEM`])
//! and that many bytes (a string's UTF-8; bytes become a `Buffer`). A reply's payload:
//! [`QUICK_REPLY`], the value's kind (no string or bytes), the request id and its chain, and
//! for a number its `f64`. The whole payload is at most [`QUICK_MAX`] bytes.
//!
//! Decoding trusts nothing: the kinds, lengths, counts, the UTF-8 and the exact end are checked
//! (`protocol/fuzz`'s `message_decode` feeds it arbitrary bytes).

use std::mem::MaybeUninit;

use crate::frame::{FrameError, HEADER_LEN};
use crate::{ChainId, ObjectId, Outcome, RequestId, ServerMessage, Value};

/// The first byte of a compact call's payload.
pub const QUICK_CALL: u8 = 0xC8;
/// The first byte of a compact reply's payload.
pub const QUICK_REPLY: u8 = 0xC9;
/// The most bytes of a compact frame's payload.
pub const QUICK_MAX: usize = 256;
/// The most arguments of a compact call.
pub const QUICK_ARGS: usize = 8;
/// The most bytes of one string (its UTF-8) or `bytes` argument of a compact call.
pub const QUICK_ITEM: usize = 128;

/// The kind byte of a compact value.
pub mod kind {
    pub const UNDEFINED: u8 = 0;
    pub const NULL: u8 = 1;
    pub const FALSE: u8 = 2;
    pub const TRUE: u8 = 3;
    pub const NUMBER: u8 = 4;
    pub const TEXT: u8 = 5;
    pub const BYTES: u8 = 6;
}

/// One argument of a compact call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum QuickArg<'a> {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    Text(&'a str),
    /// A `Buffer` of these bytes.
    Bytes(&'a [u8]),
}

impl QuickArg<'_> {
    /// The value a request by message would carry for it.
    pub fn to_value(self) -> Value {
        match self {
            QuickArg::Undefined => Value::Undefined,
            QuickArg::Null => Value::Null,
            QuickArg::Bool(b) => Value::Bool(b),
            QuickArg::Number(n) => Value::Number(n),
            QuickArg::Text(t) => Value::String(t.to_owned()),
            QuickArg::Bytes(b) => Value::Bytes { kind: crate::BufferKind::Buffer, data: b.to_vec() },
        }
    }
}

/// A compact frame (header included) of at most `N` bytes as it is written, on the writer's
/// stack: a call's ([`QuickFrame`]) or a reply's ([`QuickReply`]).
pub struct CompactFrame<const N: usize> {
    /// Its bytes, of which only those before `len` were written (the header's from the start):
    /// only they are ever read or sent, so the rest is left as it was rather than zeroed (a
    /// `memset` call of 260 bytes on every compact call, of which an `add` uses 56).
    bytes: [MaybeUninit<u8>; N],
    len: usize,
}

/// A compact call's frame.
pub type QuickFrame = CompactFrame<{ HEADER_LEN + QUICK_MAX }>;

/// The longest compact reply's payload: its fixed part, then a number.
const REPLY_MAX: usize = REPLY_HEAD + 8;

/// A compact reply's frame: sized for a reply alone, since the host makes one for every compact
/// call it answers, and one sized as a call's was 260 bytes zeroed and copied out on the way.
pub type QuickReply = CompactFrame<{ HEADER_LEN + REPLY_MAX }>;

impl<const N: usize> CompactFrame<N> {
    /// A frame to write into, holding nothing yet: its header alone (a length of 0 until
    /// `finish`), so that every byte before `len` is written from the start.
    #[inline(always)]
    pub fn empty() -> CompactFrame<N> {
        const { assert!(N >= HEADER_LEN) };
        let mut f = CompactFrame { bytes: [const { MaybeUninit::uninit() }; N], len: HEADER_LEN };
        f.write_at(0, &[0; HEADER_LEN]);
        f
    }

    /// The whole frame: its length, then its payload.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: the first `len` bytes (`len <= N`: `put` only grows it over bytes it wrote)
        // were written, by `empty` (the header) and `put` (the rest, in order); `MaybeUninit<u8>`
        // has the layout of `u8`.
        unsafe { std::slice::from_raw_parts(self.bytes.as_ptr().cast::<u8>(), self.len) }
    }

    /// The payload alone.
    pub fn payload(&self) -> &[u8] {
        &self.as_bytes()[HEADER_LEN..]
    }

    /// Appends `data`, if it fits.
    #[inline(always)]
    fn put(&mut self, data: &[u8]) -> bool {
        let fits = self.write_at(self.len, data);
        if fits {
            self.len += data.len();
        }
        fits
    }

    /// Writes `data` at `at`, if it fits in the frame's bytes (written or not).
    #[inline(always)]
    fn write_at(&mut self, at: usize, data: &[u8]) -> bool {
        let Some(room) = self.bytes.get_mut(at..at + data.len()) else { return false };
        // SAFETY: `room` holds `data.len()` bytes (just sliced so), a place of this frame's
        // that `data`, a shared borrow, cannot overlap; any `u8` is a valid `MaybeUninit<u8>`.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), room.as_mut_ptr().cast::<u8>(), data.len()) };
        true
    }

    fn finish(&mut self) {
        let payload = (self.len - HEADER_LEN) as u32;
        self.write_at(0, &payload.to_le_bytes());
    }
}

impl QuickFrame {
    /// The frame of a call of `func` on `this` (or on nothing) with `args`, its request still
    /// to be named (`QuickFrame::request`); `None` when the call has no compact form (too many
    /// arguments, a string or bytes too long, or all of it too long together).
    pub fn call(func: ObjectId, this: Option<ObjectId>, args: &[QuickArg<'_>]) -> Option<QuickFrame> {
        let mut f = QuickFrame::empty();
        f.write_call(func, this, args).then_some(f)
    }

    /// `call`, written into this empty frame where it lies (a writer's frame on its stack is then
    /// never moved); `false` when the call has no compact form.
    #[inline]
    pub fn write_call(&mut self, func: ObjectId, this: Option<ObjectId>, args: &[QuickArg<'_>]) -> bool {
        if !self.begin_call(func, this, args.len()) || !args.iter().all(|&a| self.put_arg(a)) {
            return false;
        }
        self.end_call();
        true
    }

    /// Begins a call of `func` on `this` with `count` arguments in this empty frame: its fixed
    /// part, after which each argument is written by `put_arg` and the frame closed by
    /// `end_call`, so that a writer classifying its own values writes each where it goes, with
    /// no list of them made first. `false` when `count` is more than a compact call carries.
    /// A frame with other than `count` arguments is one no reader takes (cut short, or bytes past
    /// its end).
    #[inline(always)]
    pub fn begin_call(&mut self, func: ObjectId, this: Option<ObjectId>, count: usize) -> bool {
        if count > QUICK_ARGS {
            return false;
        }
        // The fixed part in one piece, as a number's kind and bytes in `put_arg`: each `put`
        // checks the room and moves `len` in memory.
        let mut head = [0; CALL_HEAD];
        head[..3].copy_from_slice(&[QUICK_CALL, count as u8, u8::from(this.is_some())]);
        head[3 + 8 * 2..][..8].copy_from_slice(&func.0.to_le_bytes());
        head[3 + 8 * 3..].copy_from_slice(&this.map_or(0, |t| t.0).to_le_bytes());
        self.put(&head)
    }

    /// Ends the call `begin_call` began: its length written.
    #[inline(always)]
    pub fn end_call(&mut self) {
        self.finish();
    }

    /// Appends argument `a` of the call `begin_call` began, if it fits; `false` when the call
    /// then has no compact form (a string or bytes too long, or all of it too long together).
    #[inline(always)]
    pub fn put_arg(&mut self, a: QuickArg<'_>) -> bool {
        match a {
            QuickArg::Undefined => self.put(&[kind::UNDEFINED]),
            QuickArg::Null => self.put(&[kind::NULL]),
            QuickArg::Bool(b) => self.put(&[if b { kind::TRUE } else { kind::FALSE }]),
            QuickArg::Number(n) => {
                let mut number = [kind::NUMBER; 9];
                number[1..].copy_from_slice(&n.to_le_bytes());
                self.put(&number)
            }
            QuickArg::Text(t) => self.item(kind::TEXT, t.as_bytes()),
            QuickArg::Bytes(b) => self.item(kind::BYTES, b),
        }
    }

    /// The frame of the reply to request `id` of `chain` with `value`; `None` when it has no
    /// compact form (anything but undefined, null, a boolean or a number).
    #[inline]
    pub fn reply(id: RequestId, chain: ChainId, value: &Value) -> Option<QuickReply> {
        let (k, number) = match *value {
            Value::Undefined => (kind::UNDEFINED, None),
            Value::Null => (kind::NULL, None),
            Value::Bool(b) => (if b { kind::TRUE } else { kind::FALSE }, None),
            Value::Number(n) => (kind::NUMBER, Some(n)),
            _ => return None,
        };
        let mut f = QuickReply::empty();
        f.put(&[QUICK_REPLY, k]);
        f.put(&id.to_le_bytes());
        f.put(&chain.to_le_bytes());
        if let Some(n) = number {
            f.put(&n.to_le_bytes());
        }
        f.finish();
        Some(f)
    }

    /// Names the request a call's frame is: `id`, of `chain`. Made once the call is known to
    /// have a compact form, just before it is sent.
    #[inline]
    pub fn request(&mut self, id: RequestId, chain: ChainId) {
        // Inside the call's fixed part (`write_call` wrote it first), never past the frame.
        let at = HEADER_LEN + 3;
        self.write_at(at, &id.to_le_bytes());
        self.write_at(at + 8, &chain.to_le_bytes());
    }

    /// A string's or bytes' length and bytes, if short enough.
    fn item(&mut self, k: u8, data: &[u8]) -> bool {
        data.len() <= QUICK_ITEM && self.put(&[k, data.len() as u8]) && self.put(data)
    }
}

/// A compact call as the host received it: checked, with its own copy of the payload (the
/// ring and the reader's buffer are needed again while the call runs, for the Python calls it
/// makes) and where each argument's kind byte lies in it. The host's loop reads each call into
/// one slot of its own, copied from the ring straight into it (`room`, then `read_in_place`)
/// or from a reader's buffer (`read`), so that the call is never moved on its way up.
pub struct QuickCall {
    pub id: RequestId,
    pub chain: ChainId,
    pub func: ObjectId,
    pub this: Option<ObjectId>,
    count: u8,
    at: [u8; QUICK_ARGS],
    bytes: [u8; QUICK_MAX],
}

/// A compact call's fixed part: its tag, count and receiver flag, then four words.
const CALL_HEAD: usize = 3 + 4 * 8;

impl QuickCall {
    /// A slot for calls to be read into (`read`), holding none yet.
    pub const fn slot() -> QuickCall {
        QuickCall { id: 0, chain: 0, func: ObjectId(0), this: None, count: 0, at: [0; QUICK_ARGS], bytes: [0; QUICK_MAX] }
    }

    /// Checks and copies a compact call's payload; anything but a well-formed one is refused.
    pub fn decode(payload: &[u8]) -> Result<QuickCall, FrameError> {
        let mut call = QuickCall::slot();
        call.read(payload)?;
        Ok(call)
    }

    /// `decode` into this slot, in place. A refused payload leaves the slot holding no call
    /// that may be served (its caller ends the host).
    #[inline]
    pub fn read(&mut self, payload: &[u8]) -> Result<(), FrameError> {
        // No argument is readable until the payload passed: `check` writes their places.
        self.count = 0;
        let (count, this) = check(payload, &mut self.at)?;
        self.bytes[..payload.len()].copy_from_slice(payload);
        self.took(count, this);
        Ok(())
    }

    /// Where a reader copies a frame's payload of at most [`QUICK_MAX`] bytes (a compact call
    /// or another message) for `read_in_place` to check where it lies: the one copy of a call.
    #[inline]
    pub fn room(&mut self) -> &mut [u8; QUICK_MAX] {
        // What is written there is unchecked: no argument is readable until `read_in_place`.
        self.count = 0;
        &mut self.bytes
    }

    /// `read` of the payload of `len` bytes copied into `room` already, checked where it lies.
    /// A refused payload leaves the slot holding no call that may be served.
    #[inline]
    pub fn read_in_place(&mut self, len: usize) -> Result<(), FrameError> {
        let Some(payload) = self.bytes.get(..len) else { return Err(malformed("a compact frame longer than its limit")) };
        let (count, this) = check(payload, &mut self.at)?;
        self.took(count, this);
        Ok(())
    }

    /// The fixed part of the call checked into `bytes`, its `count` arguments' places in `at`.
    #[inline(always)]
    fn took(&mut self, count: u8, this: Option<ObjectId>) {
        let word = |i: usize| u64::from_le_bytes(self.bytes[3 + 8 * i..][..8].try_into().expect("8 bytes"));
        (self.id, self.chain, self.func, self.this, self.count) = (word(0), word(1), ObjectId(word(2)), this, count);
    }

    /// How many arguments it has.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Its `i`th argument; panics unless `i < len()`.
    #[inline]
    pub fn arg(&self, i: usize) -> QuickArg<'_> {
        // Only the places `check` wrote for the bytes it passed: a stale one may point at bytes
        // of another payload, unchecked.
        let at = self.at[..self.count as usize][i] as usize;
        // The lengths and kinds were checked by `decode`.
        let item = || &self.bytes[at + 2..][..self.bytes[at + 1] as usize];
        match self.bytes[at] {
            kind::NULL => QuickArg::Null,
            kind::FALSE => QuickArg::Bool(false),
            kind::TRUE => QuickArg::Bool(true),
            kind::NUMBER => QuickArg::Number(f64::from_le_bytes(self.bytes[at + 1..at + 9].try_into().expect("8 bytes"))),
            // SAFETY: `decode` checked that these bytes are UTF-8, and they are not written since.
            kind::TEXT => QuickArg::Text(unsafe { std::str::from_utf8_unchecked(item()) }),
            kind::BYTES => QuickArg::Bytes(item()),
            _ => QuickArg::Undefined,
        }
    }

    /// Its arguments, in order.
    pub fn args(&self) -> impl Iterator<Item = QuickArg<'_>> {
        (0..self.len()).map(|i| self.arg(i))
    }

    /// The same call as a request by message (for a host that puts it aside to serve later).
    pub fn to_request(&self) -> crate::Request {
        let held = |id: ObjectId| Value::Js(crate::JsRef { id, kind: crate::RefKind::Object, class_proto: None, label: String::new() });
        let op = crate::Op::Call {
            func: held(self.func),
            this: self.this.map_or(Value::Undefined, held),
            args: self.args().map(QuickArg::to_value).collect(),
        };
        crate::Request { id: self.id, chain: self.chain, releases: Vec::new(), forgotten: Vec::new(), op }
    }
}

/// Checks a compact call's payload: its argument count and receiver, each argument's place
/// written into `at`.
#[inline(always)]
fn check(payload: &[u8], at: &mut [u8; QUICK_ARGS]) -> Result<(u8, Option<ObjectId>), FrameError> {
    if payload.len() > QUICK_MAX {
        return Err(malformed("a compact frame longer than its limit"));
    }
    let Some(head) = payload.get(..CALL_HEAD) else { return Err(malformed("a compact frame cut short")) };
    if head[0] != QUICK_CALL {
        return Err(malformed("not a compact call"));
    }
    let count = head[1];
    if count as usize > QUICK_ARGS {
        return Err(malformed("a compact call of too many arguments"));
    }
    let receiver = u64::from_le_bytes(head[3 + 8 * 3..][..8].try_into().expect("8 bytes"));
    let this = match (head[2], receiver) {
        (0, 0) => None,
        (0, _) => return Err(malformed("a compact call without a receiver names one")),
        (1, this) => Some(ObjectId(this)),
        _ => return Err(malformed("a compact call's receiver flag is neither 0 nor 1")),
    };
    let mut r = Reader { payload, at: CALL_HEAD };
    for place in &mut at[..count as usize] {
        // Below `QUICK_MAX` (256): a byte holds it.
        *place = r.at as u8;
        match r.byte()? {
            kind::UNDEFINED | kind::NULL | kind::FALSE | kind::TRUE => {}
            kind::NUMBER => {
                r.take(8)?;
            }
            kind::TEXT => {
                let (start, len) = r.item()?;
                std::str::from_utf8(&payload[start..][..len]).map_err(|_| malformed("a compact string that is no UTF-8"))?;
            }
            kind::BYTES => {
                r.item()?;
            }
            k => return Err(malformed(&format!("a compact argument of unknown kind {k}"))),
        }
    }
    r.end()?;
    Ok((count, this))
}

/// A compact reply's fixed part: its tag and kind, the request's id and chain.
const REPLY_HEAD: usize = 2 + 8 + 8;

/// A compact reply's payload as the message it stands for. Its length says all there is to
/// check beyond the tag and kind (the fixed part, then a number's 8 bytes or nothing), so it is
/// read as fixed fields rather than byte by byte. Inline: the reply is made where its reader
/// returns it, not made here and moved.
#[inline(always)]
pub fn decode_reply(payload: &[u8]) -> Result<ServerMessage, FrameError> {
    let Some((head, rest)) = payload.split_first_chunk::<REPLY_HEAD>() else { return Err(malformed("a compact frame cut short")) };
    if head[0] != QUICK_REPLY {
        return Err(malformed("not a compact reply"));
    }
    let word = |at: usize| u64::from_le_bytes(head[at..at + 8].try_into().expect("8 bytes"));
    let value = match (head[1], rest) {
        (kind::UNDEFINED, []) => Value::Undefined,
        (kind::NULL, []) => Value::Null,
        (kind::FALSE, []) => Value::Bool(false),
        (kind::TRUE, []) => Value::Bool(true),
        (kind::NUMBER, &[a, b, c, d, e, f, g, h]) => Value::Number(f64::from_le_bytes([a, b, c, d, e, f, g, h])),
        (kind::UNDEFINED..=kind::NUMBER, _) => return Err(malformed("a compact reply of the wrong length for its kind")),
        (k, _) => return Err(malformed(&format!("a compact reply of kind {k}"))),
    };
    Ok(ServerMessage::Reply { id: word(2), chain: word(10), outcome: Outcome::Ok(value) })
}

/// Whether `payload` is a compact frame of `tag`'s.
#[inline(always)]
pub fn is_quick(payload: &[u8], tag: u8) -> bool {
    payload.first() == Some(&tag)
}

/// A bounds-checked reader of a compact payload.
struct Reader<'a> {
    payload: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    fn take(&mut self, n: usize) -> Result<&'a [u8], FrameError> {
        let got = self.payload.get(self.at..self.at + n).ok_or_else(|| malformed("a compact frame cut short"))?;
        self.at += n;
        Ok(got)
    }

    #[inline(always)]
    fn byte(&mut self) -> Result<u8, FrameError> {
        Ok(self.take(1)?[0])
    }

    /// A string's or bytes' place and length.
    #[inline(always)]
    fn item(&mut self) -> Result<(usize, usize), FrameError> {
        let len = self.byte()? as usize;
        if len > QUICK_ITEM {
            return Err(malformed("a compact string or bytes longer than its limit"));
        }
        let at = self.at;
        self.take(len)?;
        Ok((at, len))
    }

    #[inline(always)]
    fn end(&self) -> Result<(), FrameError> {
        match self.payload.len() - self.at {
            0 => Ok(()),
            n => Err(malformed(&format!("{n} trailing bytes after a compact frame"))),
        }
    }
}

#[cold]
fn malformed(why: &str) -> FrameError {
    FrameError::Malformed(why.to_owned())
}

/// What the host reads from its client: a message, or a compact call (unboxed: moved rather
/// than allocated, as the call's arguments are read where they lie).
#[allow(clippy::large_enum_variant)]
pub enum Received {
    Message(crate::ClientMessage),
    Call(QuickCall),
}

#[cfg(test)]
mod tests;
