//! Loading an addon, and describing what it exports and what its classes have.

use std::path::Path;

use napi_functions::lifecycle::{load_module, LoadError};
use napi_protocol::{self as proto, Failure, FailureKind};
use napi_runtime::property::{PropertyKey, Slot};
use napi_runtime::{ObjectId, Value};

use crate::dispatch::{Answer, Error};
use crate::wire::{ToWire, TooLarge};
use crate::Host;

impl Host {
    /// Loads the addon at `path` and answers `[exports, {name: value}, module info]`.
    pub(crate) fn load_addon(&self, path: &str) -> Result<Answer, Error> {
        let rt = &self.rt;
        match load_module(rt, Path::new(path)) {
            Ok(module) => {
                tracing::debug!(path, version = module.version, registration = module.registration, "loaded");
                let exports = module.exports.clone();
                let info = module_info(&module);
                self.modules.borrow_mut().push(module);
                let mut answer = self.exports_answer(&exports)?;
                if let proto::Value::Array(parts) = &mut answer {
                    parts.push(info);
                }
                Ok(Answer::Wire(answer))
            }
            Err(LoadError::Refused(message)) => Err(Failure { kind: FailureKind::Load, message }.into()),
            // The thrown value goes to the client as a JS exception (node's require() throws
            // it); the module stays, to be torn down with the others.
            Err(LoadError::Threw { module, thrown }) => {
                self.modules.borrow_mut().push(module);
                Err(Error::Thrown(thrown))
            }
        }
    }

    /// `[exports by reference, own data properties by value]`: the client caches the
    /// exports from this one answer.
    pub(crate) fn exports_answer(&self, exports: &Value) -> Result<proto::Value, TooLarge> {
        let rt = &self.rt;
        let mut w = ToWire::new(rt, &self.held, &self.python);
        let Value::Object(id) = exports else { return Ok(proto::Value::Array(vec![w.value(exports)?, proto::Value::Object(Vec::new())])) };
        let props: Vec<(String, Value)> = rt
            .own_keys(*id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|k| {
                let p = rt.get_own_property(*id, &k).ok().flatten()?;
                // Non-enumerable ones too: C addons define their methods with `napi_default`.
                match (&k, p.slot) {
                    (PropertyKey::String(s), Slot::Data(v)) => Some((s.to_rust_string(), v)),
                    (PropertyKey::Index(i), Slot::Data(v)) => Some((i.to_string(), v)),
                    _ => None,
                }
            })
            .collect();
        let head = if rt.is_callable(exports) { w.value(exports)? } else { w.by_reference(*id) };
        let props = props.into_iter().map(|(k, v)| Ok((k, w.value(&v)?))).collect::<Result<_, _>>();
        match props {
            Ok(props) => Ok(proto::Value::Array(vec![head, proto::Value::Object(props)])),
            Err(too_large) => {
                // The exports' own hold, taken apart from the failed part.
                if let proto::Value::Js(r) = &head {
                    w.held.borrow_mut().release(ObjectId::from_bits(r.id.0));
                }
                Err(too_large)
            }
        }
    }

    /// The members of a class prototype chain: methods by reference, other members by kind.
    pub(crate) fn describe_class(&self, proto: ObjectId) -> Result<proto::Value, Error> {
        let rt = &self.rt;
        if rt.heap().get(proto).is_none() {
            return Err(Error::Failed(Failure { kind: FailureKind::StaleObject, message: "the class prototype is gone".into() }));
        }
        let mut members: Vec<(String, proto::Value)> = Vec::new();
        let mut cur = Some(proto);
        while let Some(p) = cur.filter(|p| *p != rt.realm().object_prototype) {
            for key in rt.own_keys(p)? {
                let PropertyKey::String(name) = &key else { continue };
                let name = name.to_rust_string();
                if name == "constructor" || members.iter().any(|(n, _)| *n == name) {
                    continue;
                }
                let Some(prop) = rt.get_own_property(p, &key)? else { continue };
                let member = match prop.slot {
                    Slot::Data(f @ Value::Object(_)) if rt.is_callable(&f) => {
                        ToWire::new(rt, &self.held, &self.python).value(&f).map_err(Failure::from)?
                    }
                    Slot::Data(_) => proto::Value::String("data".into()),
                    Slot::Accessor { .. } => proto::Value::String("accessor".into()),
                };
                members.push((name, member));
            }
            cur = rt.prototype_of(p)?;
        }
        Ok(proto::Value::Object(members))
    }
}

/// How a module registered and the Node-API version it runs as, for `Addon.napi_version` and
/// `python -m napi_python inspect`.
fn module_info(module: &napi_functions::lifecycle::LoadedModule) -> proto::Value {
    proto::Value::Object(vec![
        ("version".into(), proto::Value::Number(module.version as f64)),
        ("registration".into(), proto::Value::String(module.registration.into())),
    ])
}
