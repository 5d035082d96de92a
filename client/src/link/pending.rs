//! Things one thread leaves for whichever thread sends the next request (proxies released,
//! Python objects forgotten, segments retired, drop notices). Every request takes each list,
//! and they are empty nearly always: a flag beside the lock lets the taker skip the lock then.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

pub struct Pending<T> {
    items: Mutex<Vec<T>>,
    /// Set (under the lock) whenever `items` may be non-empty.
    any: AtomicBool,
}

impl<T> Default for Pending<T> {
    fn default() -> Self {
        Pending { items: Mutex::new(Vec::new()), any: AtomicBool::new(false) }
    }
}

impl<T> Pending<T> {
    pub fn extend(&self, new: impl IntoIterator<Item = T>) {
        let mut items = self.items.lock().unwrap();
        items.extend(new);
        self.any.store(!items.is_empty(), Ordering::Release);
    }

    pub fn push(&self, item: T) {
        self.extend([item]);
    }

    /// How many are left.
    pub fn len(&self) -> usize {
        if self.is_empty() {
            return 0;
        }
        self.items.lock().unwrap().len()
    }

    /// Whether nothing is left (a look at the flag).
    #[inline]
    pub fn is_empty(&self) -> bool {
        !self.any.load(Ordering::Acquire)
    }

    /// Everything left so far, oldest first. Inlined: nearly always there is nothing, and a
    /// list handed back from a call is read in wider loads than it was written with (a stall
    /// on every request); made empty where it goes, it costs a look at the flag.
    #[inline]
    pub fn take(&self) -> Vec<T> {
        if self.is_empty() {
            return Vec::new();
        }
        self.take_some()
    }

    #[cold]
    fn take_some(&self) -> Vec<T> {
        let mut items = self.items.lock().unwrap();
        self.any.store(false, Ordering::Release);
        std::mem::take(&mut *items)
    }
}
