//! Loading an addon, and describing what it exports and what its classes have.

use std::path::Path;

use napi_functions::lifecycle::{load_module, LoadError};
use napi_protocol::{self as proto, Failure, FailureKind};
use napi_runtime::property::{PropertyKey, Slot};
use napi_runtime::{ObjectId, Value};

use crate::dispatch::{Error, OpOutput};
use crate::wire::Stop;
use crate::Host;
use napi_protocol::value_tree::ValueSink;

impl Host {
    /// Loads the addon at `path` and answers `[exports, {name: value}, module info]`.
    pub(crate) fn load_addon(&self, path: &str) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        match load_module(rt, Path::new(path)) {
            Ok(module) => {
                tracing::debug!(path, version = module.version, registration = module.registration, "loaded");
                let exports = module.exports.clone();
                let info = ModuleInfo { version: module.version, registration: module.registration };
                self.modules.borrow_mut().push(module);
                Ok(self.exports_answer(exports, info))
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

    /// `[exports by reference, own data properties by value, module info]`: the client caches
    /// the exports from this one answer.
    fn exports_answer(&self, exports: Value, info: ModuleInfo) -> OpOutput {
        let rt = &self.rt;
        let props: Vec<(String, Value)> = match &exports {
            Value::Object(id) => rt
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
                .collect(),
            _ => Vec::new(),
        };
        let by_reference = match &exports {
            Value::Object(id) if !rt.is_callable(&exports) => Some(*id),
            _ => None,
        };
        OpOutput::Walk(Box::new(move |w, sink| {
            sink.open_array(3).map_err(Stop::Sink)?;
            match by_reference {
                Some(id) => sink.leaf(w.by_reference(id)).map_err(Stop::Sink)?,
                None => w.value_into(&exports, sink)?,
            }
            sink.open_object(props.len()).map_err(Stop::Sink)?;
            for (name, value) in &props {
                sink.key(name).map_err(Stop::Sink)?;
                w.value_into(value, sink)?;
            }
            info.walk(sink).map_err(Stop::Sink)
        }))
    }

    /// The members of a class prototype chain: methods by reference, other members by kind.
    pub(crate) fn describe_class(&self, proto: ObjectId) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        if rt.heap().get(proto).is_none() {
            return Err(Error::Failed(Failure { kind: FailureKind::StaleObject, message: "the class prototype is gone".into() }));
        }
        let mut members: Vec<(String, Member)> = Vec::new();
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
                    Slot::Data(f @ Value::Object(_)) if rt.is_callable(&f) => Member::Method(f),
                    Slot::Data(_) => Member::Kind("data"),
                    Slot::Accessor { .. } => Member::Kind("accessor"),
                };
                members.push((name, member));
            }
            cur = rt.prototype_of(p)?;
        }
        Ok(OpOutput::Walk(Box::new(move |w, sink| {
            sink.open_object(members.len()).map_err(Stop::Sink)?;
            members.into_iter().try_for_each(|(name, member)| {
                sink.key(&name).map_err(Stop::Sink)?;
                match member {
                    Member::Method(f) => w.value_into(&f, sink),
                    Member::Kind(kind) => sink.leaf(proto::Value::String(kind.into())).map_err(Stop::Sink),
                }
            })
        })))
    }
}

/// A member of a class as Python is told of it: a method (its function), or what else it is.
enum Member {
    Method(Value),
    Kind(&'static str),
}

/// How a module registered and the Node-API version it runs as, for `Addon.napi_version` and
/// `python -m napi_python inspect`.
struct ModuleInfo {
    version: i32,
    registration: &'static str,
}

impl ModuleInfo {
    fn walk<S: ValueSink + ?Sized>(&self, sink: &mut S) -> Result<(), S::Error> {
        sink.open_object(2)?;
        sink.key("version")?;
        sink.leaf(proto::Value::Number(f64::from(self.version)))?;
        sink.key("registration")?;
        sink.leaf(proto::Value::String(self.registration.into()))
    }
}
