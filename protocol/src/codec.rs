//! The one encoding of the protocol: bincode 2's standard configuration (little-endian,
//! variable-length integers), derived from the message declarations themselves
//! (`#[derive(Encode, Decode)]`), so no variant order is kept by hand anywhere.
//!
//! One type is decoded by hand: [`Value`], the only recursive one, whose decoder counts how
//! deep it is nested in the [`Limits`] it decodes with and refuses what is nested deeper than
//! [`MAX_DEPTH`]: a hostile peer's 100,000 nested arrays in 200 KB are a malformed frame, not
//! a stack overflow. Its encoding is derived like every other; `value_variants_decode_as_derived`
//! holds the decoder to the derived order.
//!
//! Why bincode (docs/decisions.md, "One codec"): a compact binary format whose derive makes the
//! encoder and decoder from one declaration, whose decoder bounds what a length claim may
//! allocate (`with_limit`), and whose 2.x line is complete and frozen: its maintainers ended
//! development there (3.0.0 is a deliberately broken release), which for a wire format between
//! two builds of this project is stability, not a risk. Should it need replacing, the
//! declarations stay and only the derive changes.

use bincode::de::{Decode, Decoder};
use bincode::enc::{Encode, Encoder};
use bincode::error::{DecodeError, EncodeError};

use crate::value::{BigIntValue, BufferKind, JsRef, ObjectId, PyRef, Region, Value};

/// A message type of the protocol: encodable, and decodable within [`Limits`].
pub trait Wire: Encode + Decode<Limits> {}

impl<T: Encode + Decode<Limits>> Wire for T {}

/// Values nested deeper than this are refused by the decoder (and never made by either side's
/// converters). Deeper than any data an addon hands over in practice, and shallow enough that
/// decoding it needs about 250 KiB of stack in a release build (5 KiB a level unoptimised).
pub const MAX_DEPTH: u32 = 512;

/// What one decoding may still do: how many levels of [`Value`] it may still nest.
#[derive(Debug)]
pub struct Limits {
    depth_left: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { depth_left: MAX_DEPTH }
    }
}

/// bincode's standard configuration: little-endian, variable-length integers.
pub fn config() -> bincode::config::Configuration<bincode::config::LittleEndian, bincode::config::Varint> {
    bincode::config::standard().with_little_endian().with_variable_int_encoding()
}

impl Encode for Value {
    fn encode<E: Encoder>(&self, e: &mut E) -> Result<(), EncodeError> {
        // The variant's index in declaration order, then its fields: what the derive writes.
        let index = variant_index(self);
        index.encode(e)?;
        match self {
            Value::Undefined | Value::Null => Ok(()),
            Value::Bool(b) => b.encode(e),
            Value::Number(n) | Value::Date(n) => n.encode(e),
            Value::String(s) => s.encode(e),
            Value::BigInt(b) => b.encode(e),
            Value::Array(items) => items.encode(e),
            Value::Object(props) => props.encode(e),
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
        }
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
    }
}

/// How many variants [`Value`] has.
const VALUE_VARIANTS: u32 = 16;

impl Decode<Limits> for Value {
    fn decode<D: Decoder<Context = Limits>>(d: &mut D) -> Result<Self, DecodeError> {
        let index = u32::decode(d)?;
        Ok(match index {
            0 => Value::Undefined,
            1 => Value::Null,
            2 => Value::Bool(Decode::decode(d)?),
            3 => Value::Number(Decode::decode(d)?),
            4 => Value::String(Decode::decode(d)?),
            5 => Value::BigInt(BigIntValue::decode(d)?),
            6 => Value::Array(nested(d)?),
            7 => Value::Object(nested(d)?),
            8 => Value::Date(Decode::decode(d)?),
            9 => Value::Bytes { kind: BufferKind::decode(d)?, data: Decode::decode(d)? },
            10 => Value::Shared { object: ObjectId::decode(d)?, kind: BufferKind::decode(d)?, region: Region::decode(d)? },
            11 => Value::Upload { kind: BufferKind::decode(d)?, region: Region::decode(d)? },
            12 => Value::InPlace { kind: BufferKind::decode(d)?, region: Region::decode(d)? },
            13 => Value::Js(JsRef::decode(d)?),
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
}

/// A container of values, one level deeper: refused past [`MAX_DEPTH`].
fn nested<T: Decode<Limits>, D: Decoder<Context = Limits>>(d: &mut D) -> Result<T, DecodeError> {
    let limits = d.context();
    if limits.depth_left == 0 {
        return Err(DecodeError::Other("values nested more than 512 deep"));
    }
    limits.depth_left -= 1;
    let inner = T::decode(d);
    d.context().depth_left += 1;
    inner
}

bincode::impl_borrow_decode_with_context!(Value, Limits);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{decode, encode, FrameError};
    use crate::tests::sample_values;

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

    /// Runs `f` on a thread with room for the unoptimised build's deep recursion.
    fn with_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new().stack_size(64 << 20).spawn(f).unwrap().join().unwrap();
    }

    #[test]
    fn values_nested_to_the_limit_decode() {
        with_stack(values_nested_to_the_limit_decode_here);
    }

    fn values_nested_to_the_limit_decode_here() {
        let v = decode::<Value>(&nested_arrays(MAX_DEPTH as usize)).unwrap();
        let mut depth = 0;
        let mut at = &v;
        while let Value::Array(items) = at {
            depth += 1;
            at = &items[0];
        }
        assert_eq!(depth, MAX_DEPTH);
        // Dropping it recurses too, as deep as decoding did.
    }

    #[test]
    fn a_value_nested_past_the_limit_is_malformed_not_a_stack_overflow() {
        with_stack(nested_past_the_limit);
    }

    fn nested_past_the_limit() {
        for depth in [MAX_DEPTH as usize + 1, 100_000] {
            assert!(matches!(decode::<Value>(&nested_arrays(depth)), Err(FrameError::Malformed(_))), "{depth}");
        }
        // The same inside an object, inside a message.
        let mut payload = vec![1, 1, 0, 0]; // ServerMessage::Reply { id: 1, chain: 0, Ok(..) }
        for _ in 0..5_000 {
            payload.extend_from_slice(&[7, 1, 1, b'k']); // { "k": ...
        }
        payload.push(0);
        assert!(matches!(decode::<crate::ServerMessage>(&payload), Err(FrameError::Malformed(_))));
    }
}
