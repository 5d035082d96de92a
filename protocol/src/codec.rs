//! The one encoding of the protocol: bincode 2's standard configuration (little-endian,
//! variable-length integers), derived from the message declarations themselves
//! (`#[derive(Encode, Decode)]`), so no variant order is kept by hand anywhere.
//!
//! One type is encoded and decoded by hand: [`Value`], the only recursive one, as deep as its
//! maker nested it. Its encoding is the derive's (a container's tag and length, then its
//! elements: a pre-order walk), written and read with a stack of our own instead of recursion,
//! so a hostile peer's 100,000 nested arrays in 200 KB decode in a loop, and a legitimate
//! 100,000-deep array arrives whole. What bounds a message's values is their number,
//! [`MAX_VALUES`](crate::MAX_VALUES), counted in the [`Limits`] it decodes with. `value_variants_decode_as_derived`
//! holds the decoder to the derived order.
//!
//! Why bincode (docs/decisions.md, "One codec"): a compact binary format whose derive makes the
//! encoder and decoder from one declaration, whose decoder bounds what a length claim may
//! allocate (`with_limit`), and whose 2.x line is complete and frozen: its maintainers ended
//! development there (3.0.0 is a deliberately broken release), which for a wire format between
//! two builds of this project is stability, not a risk. Should it need replacing, the
//! declarations stay and only the derive changes.

use bincode::de::read::Reader;
use bincode::de::{Decode, Decoder};
use bincode::enc::write::Writer;
use bincode::enc::{Encode, Encoder};
use bincode::error::{DecodeError, EncodeError};

use crate::value::{BigIntValue, BufferKind, JsRef, ObjectId, PyRef, RefKind, Region, Value};
use crate::value_tree::{walk, Step, TreeBuilder, ValueBudget};

/// A message type of the protocol: encodable, and decodable within [`Limits`].
pub trait Wire: Encode + Decode<Limits> {}

impl<T: Encode + Decode<Limits>> Wire for T {}

/// What one decoding may still do: how many values it may still make.
#[derive(Debug)]
pub struct Limits {
    values: ValueBudget,
}

/// Values a message may hold besides the [`MAX_VALUES`](crate::MAX_VALUES) its converter counted:
/// what it wraps them in (a call's function and `this`, an answer's envelope, an error's code).
const ENVELOPE_VALUES: u64 = 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits { values: ValueBudget::of(crate::MAX_VALUES + ENVELOPE_VALUES) }
    }
}

/// Why a message holding more than [`MAX_VALUES`](crate::MAX_VALUES) values is malformed (bincode takes a static
/// message; `too_many_values_names_the_limit` holds the figure to the constant).
const TOO_MANY_VALUES: &str = "the message holds more than 4195328 values";

/// bincode's standard configuration: little-endian, variable-length integers.
pub fn config() -> bincode::config::Configuration<bincode::config::LittleEndian, bincode::config::Varint> {
    bincode::config::standard().with_little_endian().with_variable_int_encoding()
}

impl Encode for Value {
    fn encode<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        match self {
            Value::Array(items) if items.iter().all(|i| !matches!(i, Value::Array(_) | Value::Object(_))) => {
                // An array of values that are no containers, the commonest copy: written directly.
                6u32.encode(e)?;
                (items.len() as u64).encode(e)?;
                return items.iter().try_for_each(|i| encode_leaf(i, e));
            }
            Value::Array(_) | Value::Object(_) => {}
            _ => return encode_leaf(self, e),
        }
        walk(self, |step| match step {
            Step::Leaf(v) => encode_leaf(v, e),
            // The variant's index, then the length as a `Vec`'s: what the derive writes.
            Step::Array(items) => {
                6u32.encode(e)?;
                (items.len() as u64).encode(e)
            }
            Step::Object(props) => {
                7u32.encode(e)?;
                (props.len() as u64).encode(e)
            }
            Step::Key(k) => k.encode(e),
        })
    }
}

/// A value that is no container: the variant's index in declaration order, then its fields.
fn encode_leaf<E: Encoder>(v: &Value, e: &mut E) -> Result<(), EncodeError> {
    if let Value::Number(n) = v {
        // The commonest leaf, in one write: its index (one byte as a varint), then its bits.
        let mut bytes = [3; 9];
        bytes[1..].copy_from_slice(&n.to_le_bytes());
        return e.writer().write(&bytes);
    }
    variant_index(v).encode(e)?;
    match v {
        Value::Undefined | Value::Null => Ok(()),
        Value::Bool(b) => b.encode(e),
        Value::Number(n) | Value::Date(n) => n.encode(e),
        Value::String(s) => s.encode(e),
        Value::BigInt(b) => b.encode(e),
        Value::Array(_) | Value::Object(_) => unreachable!("containers are walked"),
        Value::Bytes { kind, data } => {
            kind.encode(e)?;
            data.encode(e)
        }
        Value::Shared { object, kind, region } => {
            object.encode(e)?;
            kind.encode(e)?;
            region.encode(e)
        }
        Value::Upload { kind, region } | Value::InPlace { kind, region } => {
            kind.encode(e)?;
            region.encode(e)
        }
        Value::Js(r) => r.encode(e),
        Value::Py { id, callable } => {
            id.encode(e)?;
            callable.encode(e)
        }
        Value::Lent { kind, address, region } => {
            kind.encode(e)?;
            address.encode(e)?;
            region.encode(e)
        }
        Value::Walked(_) => Err(EncodeError::Other("a value walked in-process (Value::Walked) never crosses as bytes")),
    }
}

/// `v`'s variant index in declaration order (the wire's tag).
fn variant_index(v: &Value) -> u32 {
    match v {
        Value::Undefined => 0,
        Value::Null => 1,
        Value::Bool(_) => 2,
        Value::Number(_) => 3,
        Value::String(_) => 4,
        Value::BigInt(_) => 5,
        Value::Array(_) => 6,
        Value::Object(_) => 7,
        Value::Date(_) => 8,
        Value::Bytes { .. } => 9,
        Value::Shared { .. } => 10,
        Value::Upload { .. } => 11,
        Value::InPlace { .. } => 12,
        Value::Js(_) => 13,
        Value::Py { .. } => 14,
        Value::Lent { .. } => 15,
        // Never written (`encode_leaf` refuses it), so never read either.
        Value::Walked(_) => VALUE_VARIANTS,
    }
}

/// How many variants of [`Value`] cross as bytes (all but `Walked`).
const VALUE_VARIANTS: u32 = 16;

impl Decode<Limits> for Value {
    fn decode<D: Decoder<Context = Limits>>(d: &mut D) -> Result<Self, DecodeError> {
        take_values(d, 1)?;
        let index = u32::decode(d)?;
        if index != 6 && index != 7 {
            return decode_leaf(index, d);
        }
        // A container: its elements follow it, each a value of its own, to any depth.
        let mut built = TreeBuilder::default();
        let mut index = index;
        loop {
            let finished = match index {
                6 => {
                    let len = container_len::<Value, D>(d)?;
                    built.open_array(len, len)
                }
                7 => {
                    let len = container_len::<(String, Value), D>(d)?;
                    built.open_object(len, len)
                }
                _ => built.push(decode_leaf(index, d)?),
            };
            if let Some(v) = finished {
                return Ok(v);
            }
            if built.wants_key() {
                built.key(string(d)?);
            }
            index = u32::decode(d)?;
        }
    }
}

/// Takes `n` values of the message's [`MAX_VALUES`](crate::MAX_VALUES).
fn take_values<D: Decoder<Context = Limits>>(d: &mut D, n: u64) -> Result<(), DecodeError> {
    if d.context().values.take(n) {
        Ok(())
    } else {
        Err(DecodeError::Other(TOO_MANY_VALUES))
    }
}

/// A container's length, counted against the message's values and claimed, as bincode claims
/// a `Vec`'s, before anything is sized for it.
fn container_len<T, D: Decoder<Context = Limits>>(d: &mut D) -> Result<usize, DecodeError> {
    let len = u64::decode(d)?;
    take_values(d, len)?;
    let len = usize::try_from(len).map_err(|_| DecodeError::OutsideUsizeRange(len))?;
    d.claim_container_read::<T>(len)?;
    Ok(len)
}

/// An `f64` as bincode writes it, read where it lies: bincode's own read copies it out through
/// a `memcpy` call, which cost more than the rest of a number's decoding.
#[inline(always)]
fn number<D: Decoder>(d: &mut D) -> Result<f64, DecodeError> {
    d.claim_bytes_read(8)?;
    let Some(bytes) = d.reader().peek_read(8) else {
        // Not a slice, or its end: bincode's way, which reports a truncation.
        let mut bytes = [0; 8];
        d.reader().read(&mut bytes)?;
        return Ok(f64::from_le_bytes(bytes));
    };
    let n = f64::from_le_bytes(bytes.try_into().expect("8 bytes"));
    d.reader().consume(8);
    Ok(n)
}

/// A `String` as bincode writes it (its length, then its UTF-8), checked and copied once where
/// it lies: bincode's own decoding zero-fills a buffer, copies into it through a `memcpy` call
/// (made even for the empty labels of a call's functions), then checks it.
fn string<D: Decoder>(d: &mut D) -> Result<String, DecodeError> {
    let len = u64::decode(d)?;
    let len = usize::try_from(len).map_err(|_| DecodeError::OutsideUsizeRange(len))?;
    d.claim_container_read::<u8>(len)?;
    if len == 0 {
        return Ok(String::new());
    }
    let Some(bytes) = d.reader().peek_read(len) else {
        // Not a slice, or its end: bincode's way, which reports a truncation.
        let mut bytes = vec![0; len];
        d.reader().read(&mut bytes)?;
        return String::from_utf8(bytes).map_err(|e| DecodeError::Utf8 { inner: e.utf8_error() });
    };
    let text = std::str::from_utf8(bytes).map_err(|inner| DecodeError::Utf8 { inner })?.to_owned();
    d.reader().consume(len);
    Ok(text)
}

/// The value of variant `index`, which is no container.
fn decode_leaf<D: Decoder<Context = Limits>>(index: u32, d: &mut D) -> Result<Value, DecodeError> {
    Ok(match index {
        0 => Value::Undefined,
        1 => Value::Null,
        2 => Value::Bool(Decode::decode(d)?),
        3 => Value::Number(number(d)?),
        4 => Value::String(string(d)?),
        5 => Value::BigInt(BigIntValue::decode(d)?),
        8 => Value::Date(number(d)?),
        9 => Value::Bytes { kind: BufferKind::decode(d)?, data: Decode::decode(d)? },
        10 => Value::Shared { object: ObjectId::decode(d)?, kind: BufferKind::decode(d)?, region: Region::decode(d)? },
        11 => Value::Upload { kind: BufferKind::decode(d)?, region: Region::decode(d)? },
        12 => Value::InPlace { kind: BufferKind::decode(d)?, region: Region::decode(d)? },
        // The derive's fields in declaration order, the label read as `string` reads it.
        13 => Value::Js(JsRef { id: ObjectId::decode(d)?, kind: RefKind::decode(d)?, class_proto: Decode::decode(d)?, label: string(d)? }),
        14 => Value::Py { id: PyRef::decode(d)?, callable: Decode::decode(d)? },
        15 => Value::Lent { kind: BufferKind::decode(d)?, address: Decode::decode(d)?, region: Region::decode(d)? },
        found => {
            return Err(DecodeError::UnexpectedVariant {
                type_name: "Value",
                allowed: &bincode::error::AllowedEnumVariants::Range { min: 0, max: VALUE_VARIANTS - 1 },
                found,
            })
        }
    })
}

bincode::impl_borrow_decode_with_context!(Value, Limits);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{decode, encode, FrameError};
    use crate::tests::sample_values;
    use crate::MAX_VALUES;

    /// The hand-written decoder of `Value` agrees with the derived encoder on every variant:
    /// a reordered or added variant fails here.
    #[test]
    fn value_variants_decode_as_derived() {
        let values = sample_values();
        let mut seen: Vec<u32> = values.iter().map(variant_index).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen, (0..VALUE_VARIANTS).collect::<Vec<_>>(), "the samples cover every variant");
        for v in values {
            let frame = encode(&v).unwrap();
            assert_eq!(decode::<Value>(&frame[4..]).unwrap(), v);
        }
    }

    fn nested_arrays(depth: usize) -> Vec<u8> {
        // An array of one array of ... of undefined: 2 bytes a level, as a peer would write it.
        let mut payload = Vec::new();
        for _ in 0..depth {
            payload.extend_from_slice(&[6, 1]);
        }
        payload.push(0);
        payload
    }

    /// A value `depth` arrays deep, built in a loop.
    fn deep(depth: usize) -> Value {
        let mut v = Value::Undefined;
        for _ in 0..depth {
            v = Value::Array(vec![v]);
        }
        v
    }

    fn depth_of(v: &Value) -> usize {
        let (mut depth, mut at) = (0, v);
        while let Value::Array(items) = at {
            depth += 1;
            at = &items[0];
        }
        depth
    }

    /// On a thread with a small stack, so that any recursion in proportion to the depth fails.
    fn on_small_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new().stack_size(256 << 10).spawn(f).unwrap().join().unwrap();
    }

    #[test]
    fn a_value_nested_100000_deep_encodes_decodes_clones_compares_and_drops_in_a_loop() {
        on_small_stack(|| {
            let payload = nested_arrays(100_000);
            let v = decode::<Value>(&payload).unwrap();
            assert_eq!(depth_of(&v), 100_000);
            assert_eq!(encode(&v).unwrap()[4..], payload[..]);
            let copy = v.clone();
            assert!(copy == v);
            assert!(deep(99_999) != v);
            assert!(format!("{v:?}").len() < 200, "printed no deeper than a few levels");
            // The same inside objects, inside a message.
            let mut payload = vec![1, 1, 0, 0]; // ServerMessage::Reply { id: 1, chain: 0, Ok(..) }
            for _ in 0..100_000 {
                payload.extend_from_slice(&[7, 1, 1, b'k']); // { "k": ...
            }
            payload.push(0);
            let msg = decode::<crate::ServerMessage>(&payload).unwrap();
            assert_eq!(encode(&msg).unwrap()[4..], payload[..]);
        });
    }

    /// Numbers, strings and references, read where they lie: round trips, and a truncated or
    /// lying payload refused, never read past its end.
    #[test]
    fn leaves_read_in_place_round_trip_and_refuse_what_is_short_or_wrong() {
        let js = Value::Js(JsRef { id: ObjectId(u64::MAX), kind: RefKind::Function, class_proto: None, label: String::new() });
        let leaves = [Value::Number(-0.5), Value::Date(1e12), Value::String("ü".repeat(40)), Value::String(String::new()), js];
        for v in leaves {
            let frame = encode(&v).unwrap();
            let payload = &frame[4..];
            assert_eq!(decode::<Value>(payload).unwrap(), v);
            // Every shorter prefix is refused.
            for end in 0..payload.len() {
                assert!(matches!(decode::<Value>(&payload[..end]), Err(FrameError::Malformed(_))), "{v:?} cut at {end}");
            }
        }
        // A string claiming more bytes than follow, or more than the payload could stand for.
        assert!(matches!(decode::<Value>(&[4, 5, b'a', b'b']), Err(FrameError::Malformed(_))));
        let mut huge = vec![4, 253];
        huge.extend_from_slice(&(1u64 << 40).to_le_bytes());
        match decode::<Value>(&huge) {
            Err(FrameError::Malformed(why)) => assert!(why.contains("LimitExceeded"), "{why}"),
            other => panic!("{other:?}"),
        }
        // Text that is no UTF-8, as a string and as an object's key.
        assert!(matches!(decode::<Value>(&[4, 2, 0xc3, 0x28]), Err(FrameError::Malformed(_))));
        assert!(matches!(decode::<Value>(&[7, 1, 1, 0xff, 0]), Err(FrameError::Malformed(_))));
        // A number is its index, then its 8 bytes little-endian.
        let mut number = vec![3];
        number.extend_from_slice(&2.5f64.to_le_bytes());
        assert_eq!(encode(&Value::Number(2.5)).unwrap()[4..], number[..]);
    }

    #[test]
    fn too_many_values_names_the_limit() {
        assert!(TOO_MANY_VALUES.contains(&format!(" {} ", MAX_VALUES + ENVELOPE_VALUES)));
    }

    #[test]
    fn a_message_of_more_values_than_the_limit_is_malformed() {
        // An array of all the values a message may hold holds one value too many with itself.
        let all = MAX_VALUES + ENVELOPE_VALUES;
        let mut payload = vec![6];
        let mut len = Vec::new();
        bincode::encode_into_std_write(all, &mut len, config()).unwrap();
        payload.extend_from_slice(&len);
        payload.resize(payload.len() + all as usize, 0);
        match decode::<Value>(&payload) {
            Err(FrameError::Malformed(why)) => assert!(why.contains(TOO_MANY_VALUES), "{why}"),
            other => panic!("{other:?}"),
        }
        // One fewer element: at the limit, taken.
        let mut payload = vec![6];
        let mut len = Vec::new();
        bincode::encode_into_std_write(all - 1, &mut len, config()).unwrap();
        payload.extend_from_slice(&len);
        payload.resize(payload.len() + all as usize - 1, 0);
        assert!(matches!(decode::<Value>(&payload), Ok(Value::Array(ref items)) if items.len() == all as usize - 1));
    }
}
