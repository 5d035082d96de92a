//! A small cache of recently seen short names (property names an addon passes, dict keys made
//! for Python): a name goes in the slot its hash picks, replacing what was there. Names repeat
//! (the fields of the records an addon makes), and a name found again skips its making: an
//! allocation and a UTF-8 check on the host, a string's decoding and hashing in Python.

use std::hash::Hasher;

/// Slots, as a number of hash bits.
const SLOT_BITS: u32 = 7;

/// The longest name kept: longer ones are rarer, and cost their own making more than the look.
pub const LONGEST: usize = 40;

pub struct Recent<V> {
    slots: Vec<Option<(Box<[u8]>, V)>>,
}

impl<V> Default for Recent<V> {
    fn default() -> Self {
        Recent { slots: (0..1 << SLOT_BITS).map(|_| None).collect() }
    }
}

impl<V> Recent<V> {
    /// What is kept for `name`, made by `make` (and kept) when it is not. Names longer than
    /// [`LONGEST`] are the caller's to make without asking.
    pub fn get_or_make(&mut self, name: &[u8], make: impl FnOnce() -> V) -> &V {
        debug_assert!(name.len() <= LONGEST);
        let mut h = rustc_hash::FxHasher::default();
        h.write(name);
        // The top bits: FxHash mixes its low ones poorly (`k0`..`k15` shared slots by those).
        let slot = &mut self.slots[(h.finish() >> (64 - SLOT_BITS)) as usize];
        if !matches!(slot, Some((kept, _)) if **kept == *name) {
            *slot = Some((name.into(), make()));
        }
        &slot.as_ref().expect("filled above").1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sharing_a_slot_are_never_taken_for_one_another() {
        let mut recent = Recent::default();
        let mut made = 0;
        for round in 0..2 {
            for i in 0..1000 {
                let name = format!("name{i}");
                let got = recent.get_or_make(name.as_bytes(), || {
                    made += 1;
                    name.clone()
                });
                assert_eq!(*got, name, "round {round}");
            }
        }
        assert!(made < 2000, "some names were found again");
        let again = recent.get_or_make(b"name999", || unreachable!("the last one made is kept"));
        assert_eq!(again, "name999");
    }
}
