//! The recording of built-ins addons read and the realm lacks: with
//! `NAPI_PYTHON_RECORD_MISSING=<file>` in the host's environment, every property read through
//! Node-API (`napi_get_property`, `napi_get_named_property`) that finds nothing on the global
//! object, an intrinsic, or an instance of a built-in class is appended to the file once, named by
//! where it was looked for ("globalThis.Intl", "Date.prototype.toTemporalInstant"). The
//! compatibility report prints the list, so gaps show up by themselves.

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::Write;

use super::object::ObjectClass;
use super::object_id::ObjectId;
use super::property::PropertyKey;
use super::Runtime;

/// The environment variable that names the file.
pub const RECORD_MISSING_ENV: &str = "NAPI_PYTHON_RECORD_MISSING";

/// The file reads of missing built-ins go to, and the entries written there already.
pub struct MissingRecorder {
    path: std::path::PathBuf,
    seen: RefCell<HashSet<String>>,
}

impl MissingRecorder {
    /// A recorder for the file `NAPI_PYTHON_RECORD_MISSING` names, if it names one.
    pub fn from_env() -> Option<MissingRecorder> {
        let path = std::env::var_os(RECORD_MISSING_ENV)?;
        Some(MissingRecorder { path: path.into(), seen: RefCell::new(HashSet::new()) })
    }
}

impl Runtime {
    /// Notes that reading `key` of `obj` found no property, when `obj` is built-in.
    pub fn note_missing(&self, obj: ObjectId, key: &PropertyKey) {
        let Some(recorder) = &self.missing else { return };
        let name = match key {
            PropertyKey::String(s) => s.to_rust_string(),
            PropertyKey::Symbol(s) => format!("[{}]", self.symbol_description(*s).map(|d| d.to_rust_string()).unwrap_or_default()),
            PropertyKey::Index(_) => return,
        };
        // A proxy answers through its traps, which a note must not run.
        if self.is_proxy(obj) || self.find_property(obj, key).is_some() {
            return;
        }
        let owner = match self.realm.intrinsic_names.get(&obj) {
            Some(path) => path.clone(),
            None => {
                // An instance of a built-in class: named after the first intrinsic prototype.
                let builtin = !matches!(
                    self.heap.borrow().get(obj).map(|o| &o.class),
                    None | Some(
                        ObjectClass::Plain
                            | ObjectClass::Function(_)
                            | ObjectClass::External { .. }
                            | ObjectClass::Remote(_)
                            | ObjectClass::Error
                    )
                );
                if !builtin {
                    return;
                }
                let mut cur = self.stored_prototype(obj);
                loop {
                    match cur {
                        Some(p) => match self.realm.intrinsic_names.get(&p) {
                            Some(path) => break path.clone(),
                            None => cur = self.stored_prototype(p),
                        },
                        None => return,
                    }
                }
            }
        };
        let entry = format!("{owner}.{name}");
        if recorder.seen.borrow_mut().insert(entry.clone()) {
            if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(&recorder.path) {
                let _ = writeln!(f, "{entry}");
            }
        }
    }
}
