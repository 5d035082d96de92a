//! The name of a heap object: its slot in the heap and the generation of that slot, so that an
//! id kept after its object died (by the client, in a handle) resolves to nothing rather than
//! to whatever reuses the slot. Values, properties and every kind's data name objects by it;
//! only the heap (heap.rs) makes ids and reads their parts.

use std::num::NonZeroU32;

/// An object's index and the generation of its slot, so a reused slot does not answer for an old
/// id.
///
/// No slot has generation 0 (heap.rs), and saying so in the type gives `Option<ObjectId>` and
/// the enums holding ids a niche: a property's slot (`Slot`, whose accessors hold two optional
/// ids) fits in the 24 bytes of its value, and a property in 32 (with its key and hash, a map's
/// entry in 64 bytes instead of 72).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    index: u32,
    generation: NonZeroU32,
}

impl ObjectId {
    /// The id of slot `index` in its `generation` (the heap's to make).
    #[inline(always)]
    pub(crate) fn new(index: u32, generation: u32) -> ObjectId {
        ObjectId { index, generation: NonZeroU32::new(generation).expect("no slot has generation 0") }
    }

    /// The slot in the heap.
    #[inline(always)]
    pub(crate) fn index(self) -> u32 {
        self.index
    }

    /// The generation of the slot this id was made in.
    #[inline(always)]
    pub(crate) fn generation(self) -> u32 {
        self.generation.get()
    }

    /// The id as one number, for the wire.
    pub fn to_bits(self) -> u64 {
        ((self.generation.get() as u64) << 32) | self.index as u64
    }

    /// The id `to_bits` made `bits` of (any number makes an id; a made-up one resolves to
    /// nothing, or to the object that happens to have that slot and generation). Bits of
    /// generation 0, which no id has, make the id of the last slot in its last generation, which
    /// no heap reaches (2^32 objects).
    pub fn from_bits(bits: u64) -> ObjectId {
        match NonZeroU32::new((bits >> 32) as u32) {
            Some(generation) => ObjectId { index: bits as u32, generation },
            None => ObjectId { index: u32::MAX, generation: NonZeroU32::MAX },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectId;
    use crate::heap::Heap;
    use crate::object::ObjectClass;

    #[test]
    fn bits_round_trip_and_bits_of_generation_0_name_no_object() {
        let mut heap = Heap::default();
        let ids: Vec<_> = (0..100).map(|_| heap.new_object(ObjectClass::Plain, None)).collect();
        for id in &ids {
            assert_eq!(ObjectId::from_bits(id.to_bits()), *id);
        }
        let made_up = ObjectId::from_bits(77);
        assert_eq!((made_up.index(), made_up.generation()), (u32::MAX, u32::MAX), "no slot has generation 0");
        assert!(heap.get(made_up).is_none());
        assert_eq!(std::mem::size_of::<Option<ObjectId>>(), 8, "an absent id takes no more room than an id");
    }
}
