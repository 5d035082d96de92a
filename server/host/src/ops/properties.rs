//! Reading and writing the properties of host objects, as `Reflect` and `Object` do.

use napi_protocol as proto;

use crate::dispatch::{Error, OpOutput};
use crate::wire::Stop;
use crate::Host;
use napi_runtime::property::{Descriptor, PropertyKey};
use napi_runtime::{ObjectId, Value};

impl Host {
    pub(crate) fn get(&self, target: &proto::Value, key: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let t = self.arg(target)?;
        let k = self.key_arg(key)?;
        Ok(OpOutput::Value(rt.get(&t, &k)?))
    }

    pub(crate) fn set(&self, target: &proto::Value, key: &proto::Value, value: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let t = self.arg(target)?;
        let k = self.key_arg(key)?;
        let v = self.arg(value)?;
        rt.set_strict(&t, k, v)?;
        Ok(OpOutput::Value(Value::Undefined))
    }

    pub(crate) fn has(&self, target: &proto::Value, key: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let t = self.object_arg(target)?;
        let k = self.key_arg(key)?;
        Ok(OpOutput::Value(Value::Bool(rt.has(t, &k)?)))
    }

    pub(crate) fn delete(&self, target: &proto::Value, key: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let t = self.object_arg(target)?;
        let k = self.key_arg(key)?;
        // Strict mode, as for writes: refusing to delete throws.
        if !rt.delete(t, &k)? {
            let name = rt.to_string(&k.to_value()).map(|s| s.to_rust_string()).unwrap_or_default();
            return Err(rt.type_error(format!("Cannot delete property '{name}' of #<{}>", rt.class_name(t))).into());
        }
        Ok(OpOutput::Value(Value::Bool(true)))
    }

    pub(crate) fn own_keys(&self, target: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let t = self.object_arg(target)?;
        let keys = rt.own_keys(t)?.iter().map(PropertyKey::to_value).collect();
        Ok(OpOutput::Value(Value::Object(rt.new_array(keys))))
    }

    pub(crate) fn own_property_descriptors(&self, target: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let t = self.object_arg(target)?;
        let mut pairs = Vec::new();
        for key in rt.own_keys(t)? {
            let Some(p) = rt.get_own_property(t, &key)? else { continue };
            // Kept for the walk of the answer, made after the op returns.
            let desc = rt.descriptor_object(&p);
            self.keep(Value::Object(desc));
            pairs.push((key.to_value(), desc));
        }
        // `[[key, descriptor], ...]`, each descriptor a dict, even with `get`/`set` functions in it.
        Ok(OpOutput::Walk(Box::new(move |w, sink| {
            sink.open_array(pairs.len()).map_err(Stop::Sink)?;
            pairs.into_iter().try_for_each(|(key, desc)| {
                sink.open_array(2).map_err(Stop::Sink)?;
                w.value_into(&key, sink)?;
                w.plain_into(desc, sink)
            })
        })))
    }

    pub(crate) fn define_property(
        &self,
        target: &proto::Value,
        key: &proto::Value,
        descriptor: &proto::Descriptor,
    ) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let t = self.object_arg(target)?;
        let k = self.key_arg(key)?;
        let desc = self.descriptor(descriptor)?;
        let name = rt.to_string(&k.to_value()).map(|s| s.to_rust_string()).unwrap_or_default();
        if !rt.define_own_property(t, k, desc)? {
            return Err(rt.type_error(format!("Cannot redefine property: {name}")).into());
        }
        Ok(OpOutput::Value(Value::Undefined))
    }

    pub(crate) fn get_prototype(&self, target: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        // By reference: a prototype is wanted as the object itself, not a copy.
        let t = self.object_arg(target)?;
        Ok(match rt.prototype_of(t)? {
            Some(p) => OpOutput::Reference(p),
            None => OpOutput::Value(Value::Null),
        })
    }

    pub(crate) fn set_prototype(&self, target: &proto::Value, proto: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let t = self.object_arg(target)?;
        let p = match self.arg(proto)? {
            Value::Object(p) => Some(p),
            Value::Null => None,
            other => return Err(rt.type_error(format!("Object prototype may only be an Object or null: {}", other.to_display(rt))).into()),
        };
        if !rt.set_prototype(t, p)? {
            return Err(rt.type_error("Cyclic __proto__ value or object is not extensible".into()).into());
        }
        Ok(OpOutput::Value(Value::Undefined))
    }

    pub(crate) fn descriptor(&self, d: &proto::Descriptor) -> Result<Descriptor, Error> {
        let accessor = |v: &Option<proto::Value>| -> Result<Option<Option<ObjectId>>, Error> {
            match v {
                None => Ok(None),
                Some(v) => match self.arg(v)? {
                    Value::Undefined => Ok(Some(None)),
                    f @ Value::Object(id) if self.rt.is_callable(&f) => Ok(Some(Some(id))),
                    _ => Err(self.rt.type_error("Getter and setter must be functions".into()).into()),
                },
            }
        };
        let value = d.value.as_ref().map(|v| self.arg(v)).transpose()?;
        Ok(Descriptor {
            value,
            get: accessor(&d.get)?,
            set: accessor(&d.set)?,
            writable: d.writable,
            enumerable: d.enumerable,
            configurable: d.configurable,
        })
    }
}
