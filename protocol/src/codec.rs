//! A hand-written codec for the messages of calls, writing and reading exactly the bytes
//! bincode's serde path does (standard configuration: little-endian, variable-length
//! integers), so the wire format does not change (D47).
//!
//! bincode took 55-195 ns to decode one message of a call and 25-50 ns to encode it, most of
//! it in the plumbing around each field, and an isolated call decodes and encodes two of them
//! on each side (four with a callback). This codec covers every value and every message but
//! the rarer requests (`Op`s other than the ones each call, property access or ping makes).
//! bincode stays the reference: what this codec does not cover, and any input it does not
//! understand in full (a non-canonical integer, an unknown variant, a nesting deeper than
//! [`MAX_DEPTH`], a byte out of place), goes to bincode, whose answer then stands. The tests
//! hold the two to the same bytes and the same verdicts.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::*;

/// A message type of the protocol: bincode's encoding, with a faster path for common shapes.
pub trait Wire: Serialize + DeserializeOwned {
    /// Appends `self`'s encoding to `out` when this codec covers it (answering true);
    /// otherwise leaves `out` as it was.
    fn encode_fast(&self, _out: &mut Vec<u8>) -> bool {
        false
    }

    /// The message `payload` holds, when this codec understands all of it.
    fn decode_fast(_payload: &[u8]) -> Option<Self> {
        None
    }
}

// Plain types framed by the link's tests: bincode only.
#[cfg(test)]
impl Wire for u32 {}
#[cfg(test)]
impl Wire for u64 {}
#[cfg(test)]
impl Wire for Vec<u8> {}

/// Values nested deeper than this are left to bincode (the codec recurses).
pub const MAX_DEPTH: u32 = 64;

// bincode's varint markers: a value up to 250 is its own byte; above, a marker says how many
// little-endian bytes follow.
const U16_MARK: u8 = 251;
const U32_MARK: u8 = 252;
const U64_MARK: u8 = 253;

// Variant indices, as serde numbers them (declaration order).
mod tag {
    pub const REQUEST: u32 = 0;
    pub const CALLBACK_RESULT: u32 = 1;
    pub const CLIENT_SEGMENT: u32 = 2;
    pub const CLIENT_SEGMENT_RETIRED: u32 = 3;

    pub const OP_CALL: u32 = 1;
    pub const OP_CONSTRUCT: u32 = 2;
    pub const OP_GET: u32 = 3;
    pub const OP_SET: u32 = 4;
    pub const OP_PING: u32 = 20;

    pub const HELLO: u32 = 0;
    pub const REPLY: u32 = 1;
    pub const DROP_PYTHON: u32 = 2;
    pub const SETTLED: u32 = 3;
    pub const UNCAUGHT: u32 = 4;
    pub const SEGMENT: u32 = 5;
    pub const SEGMENT_RETIRED: u32 = 6;
    pub const RETURNED: u32 = 7;
    pub const CALL_PYTHON: u32 = 8;

    pub const OK: u32 = 0;
    pub const THROWN: u32 = 1;
    pub const FAILED: u32 = 2;
}

/// Writes bincode's encoding of the parts of a message.
struct Out<'a>(&'a mut Vec<u8>);

impl Out<'_> {
    fn u64(&mut self, v: u64) {
        if v <= 250 {
            self.0.push(v as u8);
        } else if let Ok(v) = u16::try_from(v) {
            self.0.push(U16_MARK);
            self.0.extend_from_slice(&v.to_le_bytes());
        } else if let Ok(v) = u32::try_from(v) {
            self.0.push(U32_MARK);
            self.0.extend_from_slice(&v.to_le_bytes());
        } else {
            self.0.push(U64_MARK);
            self.0.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// A `u32` field or a variant index: the same scheme, never past the `u32` marker.
    fn u32(&mut self, v: u32) {
        self.u64(u64::from(v));
    }

    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }

    fn bool(&mut self, b: bool) {
        self.0.push(u8::from(b));
    }

    fn f64(&mut self, f: f64) {
        self.0.extend_from_slice(&f.to_le_bytes());
    }

    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn option<T>(&mut self, o: &Option<T>, mut some: impl FnMut(&mut Self, &T)) {
        self.bool(o.is_some());
        if let Some(v) = o {
            some(self, v);
        }
    }

    fn region(&mut self, r: &Region) {
        self.u32(r.owner as u32);
        self.u32(r.segment);
        self.u64(r.offset);
        self.u64(r.len);
    }

    fn values(&mut self, vs: &[Value]) {
        self.len(vs.len());
        vs.iter().for_each(|v| self.value(v));
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Undefined => self.u32(0),
            Value::Null => self.u32(1),
            Value::Bool(b) => {
                self.u32(2);
                self.bool(*b);
            }
            Value::Number(n) => {
                self.u32(3);
                self.f64(*n);
            }
            Value::String(s) => {
                self.u32(4);
                self.str(s);
            }
            Value::BigInt(b) => {
                self.u32(5);
                self.bool(b.negative);
                self.len(b.words.len());
                b.words.iter().for_each(|w| self.u64(*w));
            }
            Value::Array(items) => {
                self.u32(6);
                self.values(items);
            }
            Value::Object(props) => {
                self.u32(7);
                self.props(props);
            }
            Value::Date(t) => {
                self.u32(8);
                self.f64(*t);
            }
            Value::Bytes { kind, data } => {
                self.u32(9);
                self.u32(*kind as u32);
                self.bytes(data);
            }
            Value::Shared { object, kind, region } => {
                self.u32(10);
                self.u64(object.0);
                self.u32(*kind as u32);
                self.region(region);
            }
            Value::Upload { kind, region } => {
                self.u32(11);
                self.u32(*kind as u32);
                self.region(region);
            }
            Value::InPlace { kind, region } => {
                self.u32(12);
                self.u32(*kind as u32);
                self.region(region);
            }
            Value::Js(r) => {
                self.u32(13);
                self.u64(r.id.0);
                self.u32(r.kind as u32);
                self.option(&r.class_proto, |o, p| o.u64(p.0));
                self.str(&r.label);
            }
            Value::Py { id, callable } => {
                self.u32(14);
                self.u64(id.0);
                self.bool(*callable);
            }
        }
    }

    fn props(&mut self, props: &[(String, Value)]) {
        self.len(props.len());
        for (k, v) in props {
            self.str(k);
            self.value(v);
        }
    }

    fn thrown(&mut self, t: &Thrown) {
        self.value(&t.value);
        self.option(&t.error, |o, e| {
            o.str(&e.name);
            o.str(&e.message);
            o.option(&e.code, |o, c| o.value(c));
            o.props(&e.props);
        });
        self.option(&t.python, |o, p| o.u64(p.0));
    }

    fn outcome(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Ok(v) => {
                self.u32(tag::OK);
                self.value(v);
            }
            Outcome::Thrown(t) => {
                self.u32(tag::THROWN);
                self.thrown(t);
            }
            Outcome::Failed(f) => {
                self.u32(tag::FAILED);
                self.u32(f.kind as u32);
                self.str(&f.message);
            }
        }
    }

    /// The requests this codec covers; false for the others (having written nothing).
    fn op(&mut self, op: &Op) -> bool {
        match op {
            Op::Call { func, this, args } => {
                self.u32(tag::OP_CALL);
                self.value(func);
                self.value(this);
                self.values(args);
            }
            Op::Construct { ctor, args } => {
                self.u32(tag::OP_CONSTRUCT);
                self.value(ctor);
                self.values(args);
            }
            Op::Get { target, key } => {
                self.u32(tag::OP_GET);
                self.value(target);
                self.value(key);
            }
            Op::Set { target, key, value } => {
                self.u32(tag::OP_SET);
                self.value(target);
                self.value(key);
                self.value(value);
            }
            Op::Ping => self.u32(tag::OP_PING),
            _ => return false,
        }
        true
    }
}

/// Reads bincode's encoding of the parts of a message; `None` whenever the input is anything
/// but what the encoder above writes (bincode then decides).
struct In<'a> {
    rest: &'a [u8],
    depth: u32,
}

impl<'a> In<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.rest.len() {
            return None;
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).map(|b| b.try_into().expect("N bytes"))
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(b)
    }

    /// Canonical encodings only (the shortest form), as the encoder writes them.
    fn u64(&mut self) -> Option<u64> {
        match self.byte()? {
            b @ 0..=250 => Some(u64::from(b)),
            U16_MARK => Some(u64::from(u16::from_le_bytes(self.array()?))).filter(|&v| v > 250),
            U32_MARK => Some(u64::from(u32::from_le_bytes(self.array()?))).filter(|&v| v > u64::from(u16::MAX)),
            U64_MARK => Some(u64::from_le_bytes(self.array()?)).filter(|&v| v > u64::from(u32::MAX)),
            _ => None,
        }
    }

    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.u64()?).ok()
    }

    /// A collection's length, at most the bytes left: each element takes one at least, so a
    /// larger claim is malformed (and nothing is allocated for it).
    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok().filter(|&n| n <= self.rest.len())
    }

    fn bool(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.array()?))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.len()?;
        self.take(n)
    }

    fn string(&mut self) -> Option<String> {
        std::str::from_utf8(self.bytes()?).ok().map(str::to_owned)
    }

    fn option<T>(&mut self, some: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        Some(if self.bool()? { Some(some(self)?) } else { None })
    }

    fn list<T>(&mut self, mut each: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.len()?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(each(self)?);
        }
        Some(items)
    }

    fn kind<T: Copy>(&mut self, kinds: &[T]) -> Option<T> {
        kinds.get(self.u32()? as usize).copied()
    }

    fn region(&mut self) -> Option<Region> {
        let owner = match self.u32()? {
            0 => SegmentOwner::Host,
            1 => SegmentOwner::Client,
            _ => return None,
        };
        Some(Region { owner, segment: self.u32()?, offset: self.u64()?, len: self.u64()? })
    }

    fn values(&mut self) -> Option<Vec<Value>> {
        self.list(Self::value)
    }

    fn value(&mut self) -> Option<Value> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let v = self.value_inside();
        self.depth -= 1;
        v
    }

    fn value_inside(&mut self) -> Option<Value> {
        Some(match self.u32()? {
            0 => Value::Undefined,
            1 => Value::Null,
            2 => Value::Bool(self.bool()?),
            3 => Value::Number(self.f64()?),
            4 => Value::String(self.string()?),
            5 => Value::BigInt(BigIntValue { negative: self.bool()?, words: self.list(Self::u64)? }),
            6 => Value::Array(self.values()?),
            7 => Value::Object(self.props()?),
            8 => Value::Date(self.f64()?),
            9 => Value::Bytes { kind: self.kind(&BufferKind::ALL)?, data: self.bytes()?.to_vec() },
            10 => Value::Shared { object: ObjectId(self.u64()?), kind: self.kind(&BufferKind::ALL)?, region: self.region()? },
            11 => Value::Upload { kind: self.kind(&BufferKind::ALL)?, region: self.region()? },
            12 => Value::InPlace { kind: self.kind(&BufferKind::ALL)?, region: self.region()? },
            13 => Value::Js(JsRef {
                id: ObjectId(self.u64()?),
                kind: self.kind(&RefKind::ALL)?,
                class_proto: self.option(|i| i.u64().map(ObjectId))?,
                label: self.string()?,
            }),
            14 => Value::Py { id: PyRef(self.u64()?), callable: self.bool()? },
            _ => return None,
        })
    }

    fn props(&mut self) -> Option<Vec<(String, Value)>> {
        self.list(|i| Some((i.string()?, i.value()?)))
    }

    fn thrown(&mut self) -> Option<Thrown> {
        Some(Thrown {
            value: self.value()?,
            error: self
                .option(|i| Some(ErrorInfo { name: i.string()?, message: i.string()?, code: i.option(Self::value)?, props: i.props()? }))?,
            python: self.option(|i| i.u64().map(PyRef))?,
        })
    }

    fn outcome(&mut self) -> Option<Outcome> {
        Some(match self.u32()? {
            tag::OK => Outcome::Ok(self.value()?),
            tag::THROWN => Outcome::Thrown(Box::new(self.thrown()?)),
            tag::FAILED => Outcome::Failed(Failure { kind: self.kind(&FailureKind::ALL)?, message: self.string()? }),
            _ => return None,
        })
    }

    fn op(&mut self) -> Option<Op> {
        Some(match self.u32()? {
            tag::OP_CALL => Op::Call { func: self.value()?, this: self.value()?, args: self.values()? },
            tag::OP_CONSTRUCT => Op::Construct { ctor: self.value()?, args: self.values()? },
            tag::OP_GET => Op::Get { target: self.value()?, key: self.value()? },
            tag::OP_SET => Op::Set { target: self.value()?, key: self.value()?, value: self.value()? },
            tag::OP_PING => Op::Ping,
            _ => return None,
        })
    }

    /// `read` applied to the whole of `payload`: a trailing byte is malformed.
    fn whole<T>(payload: &'a [u8], read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let mut i = In { rest: payload, depth: 0 };
        read(&mut i).filter(|_| i.rest.is_empty())
    }
}

/// Runs `write` on `out`, undoing what it wrote when it answers false.
fn encode_with(out: &mut Vec<u8>, write: impl FnOnce(&mut Out<'_>) -> bool) -> bool {
    let start = out.len();
    let done = write(&mut Out(out));
    if !done {
        out.truncate(start);
    }
    done
}

impl Wire for ClientMessage {
    fn encode_fast(&self, out: &mut Vec<u8>) -> bool {
        encode_with(out, |o| {
            match self {
                ClientMessage::Request(r) => {
                    o.u32(tag::REQUEST);
                    o.u64(r.id);
                    o.u64(r.chain);
                    o.len(r.releases.len());
                    r.releases.iter().for_each(|id| o.u64(id.0));
                    o.len(r.forgotten.len());
                    r.forgotten.iter().for_each(|id| o.u64(id.0));
                    return o.op(&r.op);
                }
                ClientMessage::CallbackResult { call, result } => {
                    o.u32(tag::CALLBACK_RESULT);
                    o.u64(*call);
                    match result {
                        Ok(v) => {
                            o.u32(0);
                            o.value(v);
                        }
                        Err(e) => {
                            o.u32(1);
                            o.u64(e.exception.0);
                            o.str(&e.type_name);
                            o.str(&e.message);
                        }
                    }
                }
                ClientMessage::Segment { id, size } => {
                    o.u32(tag::CLIENT_SEGMENT);
                    o.u32(*id);
                    o.u64(*size);
                }
                ClientMessage::SegmentRetired { id } => {
                    o.u32(tag::CLIENT_SEGMENT_RETIRED);
                    o.u32(*id);
                }
            }
            true
        })
    }

    fn decode_fast(payload: &[u8]) -> Option<Self> {
        In::whole(payload, |i| {
            Some(match i.u32()? {
                tag::REQUEST => ClientMessage::Request(Request {
                    id: i.u64()?,
                    chain: i.u64()?,
                    releases: i.list(|i| i.u64().map(ObjectId))?,
                    forgotten: i.list(|i| i.u64().map(PyRef))?,
                    op: i.op()?,
                }),
                tag::CALLBACK_RESULT => ClientMessage::CallbackResult {
                    call: i.u64()?,
                    result: match i.u32()? {
                        0 => Ok(i.value()?),
                        1 => Err(PyException { exception: PyRef(i.u64()?), type_name: i.string()?, message: i.string()? }),
                        _ => return None,
                    },
                },
                tag::CLIENT_SEGMENT => ClientMessage::Segment { id: i.u32()?, size: i.u64()? },
                tag::CLIENT_SEGMENT_RETIRED => ClientMessage::SegmentRetired { id: i.u32()? },
                _ => return None,
            })
        })
    }
}

impl Wire for ServerMessage {
    fn encode_fast(&self, out: &mut Vec<u8>) -> bool {
        encode_with(out, |o| {
            match self {
                ServerMessage::Hello { version, pid, protections } => {
                    o.u32(tag::HELLO);
                    o.u32(*version);
                    o.u32(*pid);
                    o.len(protections.len());
                    protections.iter().for_each(|p| o.str(p));
                }
                ServerMessage::Reply { id, chain, outcome } => {
                    o.u32(tag::REPLY);
                    o.u64(*id);
                    o.u64(*chain);
                    o.outcome(outcome);
                }
                ServerMessage::DropPython { objects } => {
                    o.u32(tag::DROP_PYTHON);
                    o.len(objects.len());
                    for (id, count) in objects {
                        o.u64(id.0);
                        o.u64(*count);
                    }
                }
                ServerMessage::Settled { subscription, outcome } => {
                    o.u32(tag::SETTLED);
                    o.u64(*subscription);
                    o.outcome(outcome);
                }
                ServerMessage::Uncaught(t) => {
                    o.u32(tag::UNCAUGHT);
                    o.thrown(t);
                }
                ServerMessage::Segment { id, size } => {
                    o.u32(tag::SEGMENT);
                    o.u32(*id);
                    o.u64(*size);
                }
                ServerMessage::SegmentRetired { id } => {
                    o.u32(tag::SEGMENT_RETIRED);
                    o.u32(*id);
                }
                ServerMessage::Returned { blocks } => {
                    o.u32(tag::RETURNED);
                    o.len(blocks.len());
                    blocks.iter().for_each(|b| o.region(b));
                }
                ServerMessage::CallPython { call, chain, func, this, args } => {
                    o.u32(tag::CALL_PYTHON);
                    o.u64(*call);
                    o.u64(*chain);
                    o.u64(func.0);
                    o.value(this);
                    o.values(args);
                }
            }
            true
        })
    }

    fn decode_fast(payload: &[u8]) -> Option<Self> {
        In::whole(payload, |i| {
            Some(match i.u32()? {
                tag::HELLO => ServerMessage::Hello { version: i.u32()?, pid: i.u32()?, protections: i.list(In::string)? },
                tag::REPLY => ServerMessage::Reply { id: i.u64()?, chain: i.u64()?, outcome: i.outcome()? },
                tag::DROP_PYTHON => ServerMessage::DropPython { objects: i.list(|i| Some((PyRef(i.u64()?), i.u64()?)))? },
                tag::SETTLED => ServerMessage::Settled { subscription: i.u64()?, outcome: i.outcome()? },
                tag::UNCAUGHT => ServerMessage::Uncaught(Box::new(i.thrown()?)),
                tag::SEGMENT => ServerMessage::Segment { id: i.u32()?, size: i.u64()? },
                tag::SEGMENT_RETIRED => ServerMessage::SegmentRetired { id: i.u32()? },
                tag::RETURNED => ServerMessage::Returned { blocks: i.list(In::region)? },
                tag::CALL_PYTHON => ServerMessage::CallPython {
                    call: i.u64()?,
                    chain: i.u64()?,
                    func: PyRef(i.u64()?),
                    this: i.value()?,
                    args: i.values()?,
                },
                _ => return None,
            })
        })
    }
}

#[cfg(test)]
mod tests;
