//! The intrinsic objects: prototypes, constructors and the global object.
//!
//! A host without a JS engine still owes addons the objects they reach through Node-API:
//! prototypes (for `instanceof`, `napi_get_prototype`, error names), the constructors real addons
//! look up on the global (`Object`, `Error`, `TypeError`, `RangeError`, `Symbol`, `JSON`), and the
//! few methods napi-rs calls (`Symbol.for`, `JSON.stringify`, `Reflect.getOwnPropertyDescriptor`).
//!
//! This file makes the intrinsic objects and the [`Builder`] that fills them; the built-ins
//! (`builtins/`) sit above it and fill them, handed in by whoever makes the realm
//! (`Runtime::new`), so that this layer never imports the one above.

use super::heap::Heap;
use super::object::{noop, BuiltinFn, Callable, Function, ObjectClass, TypedArrayKind};
use super::object_id::ObjectId;
use super::property::{Property, PropertyKey, Slot};
use super::value::Value;

pub struct Realm {
    pub global: ObjectId,
    pub object_prototype: ObjectId,
    pub function_prototype: ObjectId,
    pub array_prototype: ObjectId,
    pub error_prototype: ObjectId,
    pub type_error_prototype: ObjectId,
    pub range_error_prototype: ObjectId,
    pub syntax_error_prototype: ObjectId,
    pub symbol_prototype: ObjectId,
    pub boolean_prototype: ObjectId,
    pub number_prototype: ObjectId,
    pub string_prototype: ObjectId,
    pub bigint_prototype: ObjectId,
    pub date_prototype: ObjectId,
    pub arraybuffer_prototype: ObjectId,
    pub sharedarraybuffer_prototype: ObjectId,
    pub dataview_prototype: ObjectId,
    pub buffer_prototype: ObjectId,
    /// Indexed like [`TypedArrayKind::ALL`].
    pub typed_array_prototypes: Vec<ObjectId>,
    /// `%ArrayIteratorPrototype%`, `%SetIteratorPrototype%`, `%MapIteratorPrototype%`: the
    /// prototypes of the iterator objects `values()`/`entries()` return (see builtins/iterator.rs).
    pub array_iterator_prototype: ObjectId,
    pub set_iterator_prototype: ObjectId,
    pub map_iterator_prototype: ObjectId,
    pub promise_prototype: ObjectId,
    /// `%StringIteratorPrototype%` and `%RegExpStringIteratorPrototype%` (`matchAll`).
    pub string_iterator_prototype: ObjectId,
    pub regexp_string_iterator_prototype: ObjectId,
    pub regexp_prototype: ObjectId,
    pub aggregate_error_prototype: ObjectId,
    pub eval_error_prototype: ObjectId,
    pub reference_error_prototype: ObjectId,
    pub uri_error_prototype: ObjectId,
    pub symbol_iterator: ObjectId,
    pub symbol_async_iterator: ObjectId,
    pub symbol_to_string_tag: ObjectId,
    pub symbol_has_instance: ObjectId,
    pub symbol_is_concat_spreadable: ObjectId,
    pub symbol_match: ObjectId,
    pub symbol_match_all: ObjectId,
    pub symbol_replace: ObjectId,
    pub symbol_search: ObjectId,
    pub symbol_species: ObjectId,
    pub symbol_split: ObjectId,
    pub symbol_to_primitive: ObjectId,
    pub symbol_unscopables: ObjectId,
    /// Every object made while the realm was built (the intrinsics), by how `globalThis` reaches
    /// it ("Date.prototype"): what the recording of missing built-ins names its reads after.
    pub intrinsic_names: std::collections::HashMap<ObjectId, String>,
}

/// Builds intrinsics inside a heap that has no runtime yet.
pub struct Builder<'h> {
    pub heap: &'h mut Heap,
    pub function_prototype: ObjectId,
}

impl Builder<'_> {
    pub fn function(&mut self, name: &str, length: u32, f: BuiltinFn) -> ObjectId {
        let class = ObjectClass::Function(Function { callable: Callable::Builtin(f), is_class: false });
        let id = self.heap.new_object(class, Some(self.function_prototype));
        let name_prop = Property { writable: false, ..Property::hidden(Value::str(name)) };
        let len_prop = Property { writable: false, ..Property::hidden(Value::Number(length as f64)) };
        self.heap.put(id, PropertyKey::name("length"), len_prop);
        self.heap.put(id, PropertyKey::name("name"), name_prop);
        id
    }

    /// Defines a method `name` on `target` (writable, configurable, not enumerable).
    pub fn method(&mut self, target: ObjectId, name: &str, length: u32, f: BuiltinFn) -> ObjectId {
        let func = self.function(name, length, f);
        self.heap.put(target, PropertyKey::name(name), Property::hidden(Value::Object(func)));
        func
    }

    pub fn value(&mut self, target: ObjectId, name: &str, v: Value) {
        self.heap.put(target, PropertyKey::name(name), Property::hidden(v));
    }

    /// A constructor with its prototype linked both ways, installed on `global`.
    pub fn constructor(&mut self, global: ObjectId, name: &str, length: u32, f: BuiltinFn, prototype: ObjectId) -> ObjectId {
        let ctor = self.function(name, length, f);
        let frozen = Property { writable: false, enumerable: false, configurable: false, ..Property::hidden(Value::Object(prototype)) };
        self.heap.put(ctor, PropertyKey::name("prototype"), frozen);
        self.value(prototype, "constructor", Value::Object(ctor));
        self.value(global, name, Value::Object(ctor));
        ctor
    }

    pub fn symbol(&mut self, description: &str) -> ObjectId {
        self.heap.new_object(ObjectClass::Symbol { description: Some(description.into()) }, None)
    }
}

impl Realm {
    /// Makes the intrinsics in `heap` and lets `install` put the built-ins on them (the
    /// prototypes' methods, the constructors on the global); then names every object reachable
    /// from the global (`intrinsic_names`), which must come after.
    pub fn create(heap: &mut Heap, install: impl FnOnce(&mut Builder, &Realm)) -> Realm {
        let object_prototype = heap.new_object(ObjectClass::Plain, None);
        let function_prototype =
            heap.new_object(ObjectClass::Function(Function { callable: Callable::Builtin(noop), is_class: false }), Some(object_prototype));
        let mut b = Builder { heap, function_prototype };
        let global = b.heap.new_object(ObjectClass::Plain, Some(object_prototype));
        let proto = |b: &mut Builder, class: ObjectClass| b.heap.new_object(class, Some(object_prototype));
        let array_prototype = proto(&mut b, ObjectClass::Array);
        b.heap.put(
            array_prototype,
            PropertyKey::name("length"),
            Property { writable: true, enumerable: false, configurable: false, ..Property::hidden(Value::Number(0.0)) },
        );
        let error_prototype = proto(&mut b, ObjectClass::Plain);
        let symbol_prototype = proto(&mut b, ObjectClass::Plain);
        let boolean_prototype = proto(&mut b, ObjectClass::Primitive(Value::Bool(false)));
        let number_prototype = proto(&mut b, ObjectClass::Primitive(Value::Number(0.0)));
        let string_prototype = proto(&mut b, ObjectClass::Primitive(Value::str("")));
        // String.prototype is itself the String wrapper of "", whose own `length` is 0.
        b.heap.put(
            string_prototype,
            PropertyKey::name("length"),
            Property { writable: false, enumerable: false, configurable: false, ..Property::hidden(Value::Number(0.0)) },
        );
        let bigint_prototype = proto(&mut b, ObjectClass::Plain);
        let date_prototype = proto(&mut b, ObjectClass::Plain);
        let promise_prototype = proto(&mut b, ObjectClass::Plain);
        let arraybuffer_prototype = proto(&mut b, ObjectClass::Plain);
        let sharedarraybuffer_prototype = proto(&mut b, ObjectClass::Plain);
        let dataview_prototype = proto(&mut b, ObjectClass::Plain);
        let typed_array_base = proto(&mut b, ObjectClass::Plain);
        let sub_error = |b: &mut Builder| b.heap.new_object(ObjectClass::Plain, Some(error_prototype));
        let type_error_prototype = sub_error(&mut b);
        let range_error_prototype = sub_error(&mut b);
        let syntax_error_prototype = sub_error(&mut b);
        let typed_array_prototypes: Vec<ObjectId> =
            TypedArrayKind::ALL.iter().map(|_| b.heap.new_object(ObjectClass::Plain, Some(typed_array_base))).collect();
        let uint8 = typed_array_prototypes[TypedArrayKind::Uint8 as usize];
        let buffer_prototype = b.heap.new_object(ObjectClass::Plain, Some(uint8));
        let iterator_prototype = proto(&mut b, ObjectClass::Plain);
        let sub_iterator = |b: &mut Builder| b.heap.new_object(ObjectClass::Plain, Some(iterator_prototype));
        let array_iterator_prototype = sub_iterator(&mut b);
        let set_iterator_prototype = sub_iterator(&mut b);
        let map_iterator_prototype = sub_iterator(&mut b);
        let string_iterator_prototype = sub_iterator(&mut b);
        let regexp_string_iterator_prototype = sub_iterator(&mut b);
        let regexp_prototype = proto(&mut b, ObjectClass::Plain);
        let aggregate_error_prototype = sub_error(&mut b);
        let eval_error_prototype = sub_error(&mut b);
        let reference_error_prototype = sub_error(&mut b);
        let uri_error_prototype = sub_error(&mut b);

        let symbol_iterator = b.symbol("Symbol.iterator");
        let symbol_async_iterator = b.symbol("Symbol.asyncIterator");
        let symbol_to_string_tag = b.symbol("Symbol.toStringTag");
        let symbol_has_instance = b.symbol("Symbol.hasInstance");
        let symbol_is_concat_spreadable = b.symbol("Symbol.isConcatSpreadable");
        let symbol_match = b.symbol("Symbol.match");
        let symbol_match_all = b.symbol("Symbol.matchAll");
        let symbol_replace = b.symbol("Symbol.replace");
        let symbol_search = b.symbol("Symbol.search");
        let symbol_species = b.symbol("Symbol.species");
        let symbol_split = b.symbol("Symbol.split");
        let symbol_to_primitive = b.symbol("Symbol.toPrimitive");
        let symbol_unscopables = b.symbol("Symbol.unscopables");

        let mut realm = Realm {
            global,
            object_prototype,
            function_prototype,
            array_prototype,
            error_prototype,
            type_error_prototype,
            range_error_prototype,
            syntax_error_prototype,
            symbol_prototype,
            boolean_prototype,
            number_prototype,
            string_prototype,
            bigint_prototype,
            date_prototype,
            promise_prototype,
            arraybuffer_prototype,
            sharedarraybuffer_prototype,
            dataview_prototype,
            buffer_prototype,
            typed_array_prototypes,
            array_iterator_prototype,
            set_iterator_prototype,
            map_iterator_prototype,
            string_iterator_prototype,
            regexp_string_iterator_prototype,
            regexp_prototype,
            aggregate_error_prototype,
            eval_error_prototype,
            reference_error_prototype,
            uri_error_prototype,
            symbol_iterator,
            symbol_async_iterator,
            symbol_to_string_tag,
            symbol_has_instance,
            symbol_is_concat_spreadable,
            symbol_match,
            symbol_match_all,
            symbol_replace,
            symbol_search,
            symbol_species,
            symbol_split,
            symbol_to_primitive,
            symbol_unscopables,
            intrinsic_names: std::collections::HashMap::new(),
        };
        install(&mut b, &realm);
        realm.intrinsic_names = name_intrinsics(b.heap, global);
        realm
    }

    /// Every intrinsic the collector starts from (the rest hang off these).
    pub fn roots(&self) -> Vec<ObjectId> {
        let mut r = vec![
            self.global,
            self.object_prototype,
            self.function_prototype,
            self.array_prototype,
            self.error_prototype,
            self.type_error_prototype,
            self.range_error_prototype,
            self.syntax_error_prototype,
            self.symbol_prototype,
            self.boolean_prototype,
            self.number_prototype,
            self.string_prototype,
            self.bigint_prototype,
            self.date_prototype,
            self.promise_prototype,
            self.arraybuffer_prototype,
            self.sharedarraybuffer_prototype,
            self.dataview_prototype,
            self.buffer_prototype,
            self.symbol_iterator,
            self.symbol_async_iterator,
            self.symbol_to_string_tag,
            self.symbol_has_instance,
            self.symbol_is_concat_spreadable,
            self.symbol_match,
            self.symbol_match_all,
            self.symbol_replace,
            self.symbol_search,
            self.symbol_species,
            self.symbol_split,
            self.symbol_to_primitive,
            self.symbol_unscopables,
            self.string_iterator_prototype,
            self.regexp_string_iterator_prototype,
            self.regexp_prototype,
            self.aggregate_error_prototype,
            self.eval_error_prototype,
            self.reference_error_prototype,
            self.uri_error_prototype,
            self.array_iterator_prototype,
            self.set_iterator_prototype,
            self.map_iterator_prototype,
        ];
        r.extend(&self.typed_array_prototypes);
        r
    }

    pub fn typed_array_prototype(&self, kind: TypedArrayKind) -> ObjectId {
        self.typed_array_prototypes[kind as usize]
    }
}

/// Names each object reachable from `global` through data properties and accessors by its
/// shortest path ("Date.prototype", "Symbol.iterator"), breadth first so that the shortest wins.
fn name_intrinsics(heap: &Heap, global: ObjectId) -> std::collections::HashMap<ObjectId, String> {
    let mut names = std::collections::HashMap::new();
    names.insert(global, "globalThis".to_string());
    let mut queue = std::collections::VecDeque::from([(global, String::new())]);
    while let Some((id, path)) = queue.pop_front() {
        let Some(o) = heap.get(id) else { continue };
        for (key, prop) in &o.props {
            let PropertyKey::String(name) = key else { continue };
            let Slot::Data(Value::Object(child)) = &prop.slot else { continue };
            if names.contains_key(child) {
                continue;
            }
            let child_path = if path.is_empty() { name.to_string() } else { format!("{path}.{name}") };
            names.insert(*child, child_path.clone());
            queue.push_back((*child, child_path));
        }
    }
    names
}
