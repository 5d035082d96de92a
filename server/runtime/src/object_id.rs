//! The name of a heap object: its slot in the heap and the generation of that slot, so that an
//! id kept after its object died (by the client, in a handle) resolves to nothing rather than
//! to whatever reuses the slot. Values, properties and every kind's data name objects by it;
//! only the heap (heap.rs) makes ids and reads their parts.

/// An object's index and the generation of its slot, so a reused slot does not answer for an old
/// id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    index: u32,
    generation: u32,
}

impl ObjectId {
    /// The id of slot `index` in its `generation` (the heap's to make).
    #[inline(always)]
    pub(crate) fn new(index: u32, generation: u32) -> ObjectId {
        ObjectId { index, generation }
    }

    /// The slot in the heap.
    #[inline(always)]
    pub(crate) fn index(self) -> u32 {
        self.index
    }

    /// The generation of the slot this id was made in.
    #[inline(always)]
    pub(crate) fn generation(self) -> u32 {
        self.generation
    }

    /// The id as one number, for the wire.
    pub fn to_bits(self) -> u64 {
        ((self.generation as u64) << 32) | self.index as u64
    }

    /// The id `to_bits` made `bits` of (any number makes an id; a made-up one resolves to
    /// nothing, or to the object that happens to have that slot and generation).
    pub fn from_bits(bits: u64) -> ObjectId {
        ObjectId { index: bits as u32, generation: (bits >> 32) as u32 }
    }
}
