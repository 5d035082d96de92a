//! An object's own properties: a list in insertion order, each entry with its key's hash, and a
//! hash table of positions only once the object has more than [`LINEAR_MAX`] of them.
//!
//! Most objects hold a few properties. A hash map (`IndexMap` before this) hashed a key for each
//! table it was looked up in (an assignment looks at the object, then each prototype, then
//! inserts: three hashes of the same key) and rebuilt its table at 4, 8 and 16 entries. Here
//! a key is hashed once per operation ([`hash_of`], passed to the `_hashed` methods), a filter of
//! 64 bits answers most misses without a look, a small object's lookup compares stored hashes one
//! after the other, and only a large object pays for a table, kept beside the list.

use std::hash::BuildHasher;

use foldhash::fast::SeedableRandomState;
use foldhash::SharedSeed;
use hashbrown::HashTable;

use super::property::{Property, PropertyKey};
use super::value::Value;

/// Up to this many properties, lookups scan the stored hashes: comparing 16 integers costs less
/// than probing a table, and no table is kept.
pub const LINEAR_MAX: usize = 16;

/// The hash the map files `key` under: computed once by a caller that looks it up in several
/// maps (an object and its prototypes) or looks and then inserts. Keyed with a seed drawn once
/// per process (foldhash's), as V8 seeds its string hashes: keys often come from outside (a
/// Python service's request data made into an object), and with a hash anyone can compute, keys
/// chosen to share table slots make every insertion scan them all. As fast as the unkeyed Fx
/// hash it replaced on these short keys.
#[inline]
pub fn hash_of(key: &PropertyKey) -> u64 {
    SeedableRandomState::with_seed(0, SharedSeed::global_random()).hash_one(key)
}

#[derive(Clone, Debug)]
struct Entry {
    hash: u64,
    key: PropertyKey,
    prop: Property,
}

/// Own properties in insertion order (`Object::own_properties` puts indices first).
#[derive(Clone, Debug, Default)]
pub struct Props {
    entries: Vec<Entry>,
    /// Positions in `entries`, by hash: empty while there are at most `LINEAR_MAX` entries,
    /// holding every position while there are more.
    index: HashTable<u32>,
    /// One bit for each key's hash ([`filter_bit`]), set for every key present (and perhaps for
    /// some removed): a key whose bit is clear is absent without a look. Most lookups miss (an
    /// assignment of a new key looks at the object and at `Object.prototype` first; a method is
    /// looked for on the instance before its prototype).
    filter: u64,
}

/// The bit of `filter` for a key of hash `hash`: its top six bits pick it.
#[inline]
fn filter_bit(hash: u64) -> u64 {
    1 << (hash >> 58)
}

/// The properties with their keys, in insertion order.
#[derive(Clone)]
pub struct Iter<'a>(std::slice::Iter<'a, Entry>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a PropertyKey, &'a Property);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|e| (&e.key, &e.prop))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl Props {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the table holds no memory of its own (never had a property, so neither its list
    /// nor its index was allocated): dropping it would free nothing.
    #[inline]
    pub fn owns_no_memory(&self) -> bool {
        self.entries.capacity() == 0 && self.index.capacity() == 0
    }

    /// Room for `additional` more properties without growing the list.
    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve(additional);
    }

    /// Where `key` (of hash `hash`) is in `entries`. The filter's answer inlined into each
    /// caller, the look out of line: most lookups end at the filter, and a call to find that
    /// out cost more than the test (a new key is looked for on its object and on
    /// `Object.prototype`, about thirty calls in each `makeObject16`).
    #[inline(always)]
    fn position(&self, hash: u64, key: &PropertyKey) -> Option<usize> {
        if self.filter & filter_bit(hash) == 0 {
            return None;
        }
        self.look(hash, key)
    }

    /// `position` of a key the filter may hold.
    fn look(&self, hash: u64, key: &PropertyKey) -> Option<usize> {
        if self.entries.len() <= LINEAR_MAX {
            self.entries.iter().position(|e| e.hash == hash && e.key == *key)
        } else {
            self.index.find(hash, |&i| self.entries[i as usize].key == *key).map(|&i| i as usize)
        }
    }

    #[inline]
    pub fn get_hashed(&self, hash: u64, key: &PropertyKey) -> Option<&Property> {
        self.position(hash, key).map(|i| &self.entries[i].prop)
    }

    pub fn get(&self, key: &PropertyKey) -> Option<&Property> {
        self.get_hashed(hash_of(key), key)
    }

    pub fn get_mut(&mut self, key: &PropertyKey) -> Option<&mut Property> {
        let i = self.position(hash_of(key), key)?;
        Some(&mut self.entries[i].prop)
    }

    pub fn contains_key(&self, key: &PropertyKey) -> bool {
        self.get(key).is_some()
    }

    /// Puts `prop` under `key`: in the place of the property it replaces (which it answers), or
    /// last.
    pub fn insert_hashed(&mut self, hash: u64, key: PropertyKey, prop: Property) -> Option<Property> {
        match self.position(hash, &key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].prop, prop)),
            None => {
                self.push_new(hash, key, prop);
                None
            }
        }
    }

    pub fn insert(&mut self, key: PropertyKey, prop: Property) -> Option<Property> {
        self.insert_hashed(hash_of(&key), key, prop)
    }

    /// Adds `key`, which the caller has just looked for and not found, last.
    pub fn push_new(&mut self, hash: u64, key: PropertyKey, prop: Property) {
        debug_assert!(self.position(hash, &key).is_none(), "a new key is new");
        self.entries.push(Entry { hash, key, prop });
        self.pushed(hash);
    }

    /// `push_new` of the data property an assignment makes (`Property::data`), written where
    /// it will lie. Made first and then pushed, the property was written in pieces (its flags a
    /// byte at a time) and read back in 16-byte ones to be copied into the list, and each read
    /// waited for the writes to reach the cache (a failed store forwarding, a twentieth of
    /// `makeObject16`'s time).
    #[inline(always)]
    pub fn push_new_data(&mut self, hash: u64, key: PropertyKey, value: Value) {
        debug_assert!(self.position(hash, &key).is_none(), "a new key is new");
        self.entries.reserve(1);
        let at = self.entries.len();
        let e = self.entries.spare_capacity_mut()[0].as_mut_ptr();
        // SAFETY: `e` is the list's first free slot (reserved above), written whole, each field
        // in its place, before the length takes it in.
        unsafe {
            std::ptr::addr_of_mut!((*e).hash).write(hash);
            std::ptr::addr_of_mut!((*e).key).write(key);
            std::ptr::addr_of_mut!((*e).prop).write(Property::data(value));
            self.entries.set_len(at + 1);
        }
        self.pushed(hash);
    }

    /// Files the entry just pushed, of hash `hash`, in the filter and, past `LINEAR_MAX`, in
    /// the index.
    #[inline(always)]
    fn pushed(&mut self, hash: u64) {
        let at = u32::try_from(self.entries.len() - 1).expect("fewer than 2^32 properties");
        self.filter |= filter_bit(hash);
        if self.entries.len() == LINEAR_MAX + 1 {
            self.reindex();
        } else if self.entries.len() > LINEAR_MAX {
            let entries = &self.entries;
            self.index.insert_unique(hash, at, |&i| entries[i as usize].hash);
        }
    }

    /// Removes `key`, keeping the others in order; answers what it held.
    pub fn shift_remove(&mut self, key: &PropertyKey) -> Option<Property> {
        let i = self.position(hash_of(key), key)?;
        let removed = self.entries.remove(i);
        self.reindex();
        Some(removed.prop)
    }

    /// Keeps the properties `keep` answers true for, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&PropertyKey, &mut Property) -> bool) {
        let before = self.entries.len();
        self.entries.retain_mut(|e| keep(&e.key, &mut e.prop));
        if self.entries.len() != before {
            self.reindex();
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
        self.filter = 0;
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Property> {
        self.entries.iter_mut().map(|e| &mut e.prop)
    }

    /// Makes the index and the filter again from the list: every position when there are more
    /// than `LINEAR_MAX` entries, none otherwise. After a removal, which moves the positions after
    /// it and may leave a bit no key needs.
    fn reindex(&mut self) {
        self.filter = self.entries.iter().fold(0, |f, e| f | filter_bit(e.hash));
        self.index.clear();
        if self.entries.len() <= LINEAR_MAX {
            return;
        }
        let entries = &self.entries;
        self.index.reserve(entries.len(), |&i| entries[i as usize].hash);
        for (at, e) in entries.iter().enumerate() {
            self.index.insert_unique(e.hash, at as u32, |&i| entries[i as usize].hash);
        }
    }
}

impl<'a> IntoIterator for &'a Props {
    type Item = (&'a PropertyKey, &'a Property);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn data(n: u32) -> Property {
        Property::data(Value::Number(n as f64))
    }

    fn number(p: Option<&Property>) -> Option<f64> {
        match p?.slot {
            crate::property::Slot::Data(Value::Number(n)) => Some(n),
            _ => None,
        }
    }

    fn name(i: u32) -> PropertyKey {
        PropertyKey::name(&format!("k{i}"))
    }

    /// Every key of `0..n` is found with its value, in order, and no other.
    fn check(props: &Props, keys: &[u32]) {
        assert_eq!(props.len(), keys.len());
        let listed: Vec<_> = props.iter().map(|(k, p)| (k.clone(), number(Some(p)))).collect();
        let expected: Vec<_> = keys.iter().map(|&i| (name(i), Some(i as f64))).collect();
        assert_eq!(listed, expected, "insertion order");
        for &i in keys {
            assert_eq!(number(props.get(&name(i))), Some(i as f64), "k{i} found");
        }
        assert!(props.get(&name(1000)).is_none());
        assert!(!props.contains_key(&PropertyKey::Index(0)));
    }

    #[test]
    fn keys_are_found_in_insertion_order_below_and_past_the_index_threshold() {
        let mut props = Props::default();
        let mut keys = Vec::new();
        for i in 0..3 * LINEAR_MAX as u32 {
            assert!(props.insert(name(i), data(i)).is_none());
            keys.push(i);
            check(&props, &keys);
        }
    }

    #[test]
    fn an_insert_of_a_present_key_replaces_in_place() {
        for n in [4, LINEAR_MAX as u32 + 4] {
            let mut props = Props::default();
            (0..n).for_each(|i| drop(props.insert(name(i), data(i))));
            let old = props.insert(name(2), data(200));
            assert_eq!(number(old.as_ref()), Some(2.0));
            assert_eq!(number(props.get(&name(2))), Some(200.0));
            assert_eq!(props.iter().nth(2).map(|(k, _)| k.clone()), Some(name(2)), "kept its place");
            assert_eq!(props.len(), n as usize);
        }
    }

    #[test]
    fn removals_keep_the_order_and_the_lookups_across_the_threshold() {
        let mut props = Props::default();
        let mut keys: Vec<u32> = (0..LINEAR_MAX as u32 + 3).collect();
        keys.iter().for_each(|&i| drop(props.insert(name(i), data(i))));
        // From indexed to listed and back: every lookup still finds what is left.
        for gone in [0, 7, LINEAR_MAX as u32 + 2, 3] {
            assert_eq!(number(props.shift_remove(&name(gone)).as_ref()), Some(gone as f64));
            keys.retain(|&k| k != gone);
            check(&props, &keys);
        }
        assert!(props.shift_remove(&name(0)).is_none(), "already gone");
        for i in 100..110 {
            props.insert(name(i), data(i));
            keys.push(i);
        }
        check(&props, &keys);
        props.retain(|k, _| *k != name(101) && *k != name(5));
        keys.retain(|&k| k != 101 && k != 5);
        check(&props, &keys);
        props.retain(|k, _| *k == name(1));
        check(&props, &[1]);
        props.clear();
        check(&props, &[]);
    }

    #[test]
    fn the_filter_never_hides_a_key_present() {
        // Many more keys than the filter's 64 bits, so that keys share bits; after removals the
        // filter is made again, and keys sharing a bit with a removed one are still found.
        let mut props = Props::default();
        let mut keys: Vec<u32> = (0..200).collect();
        keys.iter().for_each(|&i| drop(props.insert(name(i), data(i))));
        check(&props, &keys);
        props.retain(|k, _| (0..200).step_by(3).all(|i| *k != name(i)));
        keys.retain(|i| i % 3 != 0);
        check(&props, &keys);
        props.retain(|k, _| (0..LINEAR_MAX as u32).any(|i| *k == name(i)));
        keys.retain(|&i| i < LINEAR_MAX as u32);
        check(&props, &keys);
        let some_absent = (1000..1100).filter(|&i| props.filter & filter_bit(hash_of(&name(i))) == 0).count();
        assert!(some_absent > 0, "few keys leave most bits clear: a miss is told without a look");
    }

    #[test]
    fn keys_of_every_kind_are_told_apart() {
        let mut props = Props::default();
        let keys = [PropertyKey::Index(1), PropertyKey::name("1x"), PropertyKey::Symbol(crate::ObjectId::new(1, 1)), PropertyKey::name("")];
        for (i, k) in keys.iter().enumerate() {
            props.insert(k.clone(), data(i as u32));
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(number(props.get(k)), Some(i as f64));
        }
        assert!(props.get(&PropertyKey::Index(2)).is_none());
        assert!(props.get(&PropertyKey::Symbol(crate::ObjectId::new(2, 1))).is_none());
    }

    #[test]
    fn a_hash_computed_once_serves_lookups_and_the_insert() {
        let mut props = Props::default();
        for i in 0..2 * LINEAR_MAX as u32 {
            let key = name(i);
            let hash = hash_of(&key);
            assert!(props.get_hashed(hash, &key).is_none());
            // Both ways of adding, each past the index threshold too.
            if i % 2 == 0 {
                props.push_new(hash, key.clone(), data(i));
            } else {
                props.push_new_data(hash, key.clone(), Value::Number(i as f64));
                let p = props.get_hashed(hash, &key).expect("added");
                assert!(p.writable && p.enumerable && p.configurable, "what an assignment makes");
            }
            assert_eq!(number(props.get_hashed(hash, &key)), Some(i as f64));
        }
        check(&props, &(0..2 * LINEAR_MAX as u32).collect::<Vec<_>>());
        if let Some(p) = props.get_mut(&name(20)) {
            p.writable = false;
        }
        assert!(props.get(&name(20)).is_some_and(|p| !p.writable));
        props.values_mut().for_each(|p| p.enumerable = false);
        assert!((&props).into_iter().all(|(_, p)| !p.enumerable));
    }

    #[test]
    fn an_entry_takes_64_bytes() {
        // 16 properties in 1 KiB, which glibc's malloc keeps in its per-thread cache (up to
        // 1,032 bytes); 72 bytes each before ids had a niche (object_id.rs).
        assert_eq!(std::mem::size_of::<Entry>(), 64);
        assert_eq!(std::mem::size_of::<Property>(), 32);
    }

    /// Run as a child by the test below: prints this process's hash of a key.
    #[test]
    fn print_the_hash_of_a_key_when_asked() {
        if std::env::var_os("PROPS_PRINT_HASH").is_some() {
            println!("hash={}", hash_of(&PropertyKey::name("constructor")));
        }
    }

    #[test]
    fn hashes_are_keyed_per_process() {
        let hash_in_a_child = || {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "props::tests::print_the_hash_of_a_key_when_asked", "--nocapture", "--test-threads=1"])
                .env("PROPS_PRINT_HASH", "1")
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            text.split_once("hash=").and_then(|(_, h)| h.split_whitespace().next()?.parse::<u64>().ok()).expect("the child's hash")
        };
        let (ours, first, second) = (hash_of(&PropertyKey::name("constructor")), hash_in_a_child(), hash_in_a_child());
        assert_eq!(ours, hash_of(&PropertyKey::name("constructor")), "one process, one hash");
        assert!(ours != first && first != second, "every process hashes with its own key: {ours} {first} {second}");
    }
}
