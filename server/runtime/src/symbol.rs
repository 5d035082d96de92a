//! Symbols: making them, what they print as, and the `Symbol.for` registry, which holds its
//! symbols for the life of the runtime (they are roots for the collector, gc.rs).

use super::object::ObjectClass;
use super::object_id::ObjectId;
use super::string::JsString;
use super::Runtime;

impl Runtime {
    /// A new symbol (`Symbol(description)`, `napi_create_symbol`), unlike every other.
    pub fn new_symbol(&self, description: Option<JsString>) -> ObjectId {
        self.heap.borrow_mut().new_object(ObjectClass::Symbol { description }, None)
    }

    /// `Symbol.for(key)`: one symbol per key for the life of the host.
    pub fn symbol_for(&self, key: JsString) -> ObjectId {
        if let Some(id) = self.symbol_registry.borrow().get(&key) {
            return *id;
        }
        let id = self.new_symbol(Some(key.clone()));
        self.symbol_registry.borrow_mut().insert(key, id);
        id
    }

    /// `Symbol.keyFor(sym)`: the key `Symbol.for` made `sym` for, if it did.
    pub fn symbol_key(&self, sym: ObjectId) -> Option<JsString> {
        self.symbol_registry.borrow().iter().find(|(_, id)| **id == sym).map(|(k, _)| k.clone())
    }

    /// The description `sym` was made with (`None` for `Symbol()`, or for what is no symbol).
    pub fn symbol_description(&self, sym: ObjectId) -> Option<JsString> {
        match self.heap.borrow().get(sym).map(|o| &o.class) {
            Some(ObjectClass::Symbol { description }) => description.clone(),
            _ => None,
        }
    }

    /// `Symbol(description)`, as a symbol prints: `String(sym)`, `sym.toString()`, and in
    /// V8's messages.
    pub fn symbol_display(&self, sym: ObjectId) -> String {
        let desc = self.symbol_description(sym).map(|d| d.to_rust_string()).unwrap_or_default();
        format!("Symbol({desc})")
    }
}
