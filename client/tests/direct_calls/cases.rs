//! The direct-call cases both platforms run (`direct_calls.rs` on Linux, `windows_direct_calls.rs`
//! under wine): a local call inline on the calling thread, what the host copies to its caller made
//! whole, a napi-rs addon's calls relayed to the host thread. Each answer is checked against the
//! isolated host's, which serves the same requests by message. On Windows a DLL's TLS directory
//! stands for Linux's `PT_TLS`: the mingw C test addons have none, napi-rs's has one.

use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use napi_client::session::chains::{self, CameBy};
use napi_client::session::{Error, HostValue, LocalError, LocalObjects, Session};
use napi_protocol::{PyRef, Value};

use crate::common::{addon, both_with};

/// A local function that answers `args[0] + 1` (or 1), recording the thread and the way each
/// call of it came.
#[derive(Default)]
struct Recording {
    calls: Mutex<Vec<(ThreadId, Option<CameBy>)>>,
}

impl LocalObjects for Recording {
    fn call(&self, session: &Session, _: PyRef, _: HostValue, args: Vec<HostValue>) -> Result<Value, LocalError> {
        let came = chains::active(session.channel()).map(|(_, came)| came);
        self.calls.lock().unwrap().push((std::thread::current().id(), came));
        let n = match args.first().map(|a| a.value()) {
            Some(Value::Number(n)) => *n,
            _ => 0.0,
        };
        Ok(Value::Number(n + 1.0))
    }
}

impl Recording {
    /// The calls recorded since the last look.
    fn take(&self) -> Vec<(ThreadId, Option<CameBy>)> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

fn in_process(session: &Session) -> bool {
    session.channel().in_process().is_some()
}

#[test]
fn in_process_a_local_call_runs_inline_on_the_calling_thread() {
    let local = Arc::new(Recording::default());
    both_with(local.clone(), |session| {
        let bench = session.load(&addon("bench")).unwrap();
        let callback = bench.property("callback").unwrap().clone();
        let f = Value::Py { id: session.new_local(), callable: true };
        assert_eq!(session.call(&callback, Value::Undefined, vec![f]).unwrap(), Value::Number(1.0));
        let calls = local.take();
        assert_eq!(calls.len(), 1, "{calls:?}");
        let (thread, came) = calls[0];
        assert_eq!(thread, std::thread::current().id(), "the local call runs on the caller's thread in both modes");
        let expected = if in_process(&session) { CameBy::Inline } else { CameBy::Message };
        assert_eq!(came, Some(expected), "a direct call's local calls run inline, an isolated one's by message");
    });
}

#[test]
fn copied_answers_strings_and_thrown_errors_arrive_whole() {
    both_with(Arc::new(Recording::default()), |session| {
        let objects = session.load(&addon("objects")).unwrap();
        let make_object = objects.property("makeObject").unwrap().clone();
        let made = session.call(&make_object, Value::Undefined, vec![]).unwrap();
        let Value::Object(props) = made.value() else { panic!("makeObject answered {made:?}") };
        let keys: Vec<&str> = props.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["1", "2", "b", "a"], "integer keys first, then in order of creation");

        let errors = session.load(&addon("errors")).unwrap();
        let with_props = errors.property("throwWithProps").unwrap().clone();
        let Err(Error::Thrown(thrown)) = session.call(&with_props, Value::Undefined, vec![]) else { panic!("throwWithProps returned") };
        let error = thrown.error.as_ref().expect("an Error is described");
        assert_eq!((error.name.as_str(), error.message.as_str()), ("Error", "with props"));
        assert_eq!(error.code, Some(Value::String("E_PROPS".into())));
        let errno = error.props.iter().find(|(k, _)| k == "errno").map(|(_, v)| v);
        assert_eq!(errno, Some(&Value::Number(42.0)), "{:?}", error.props);
        let details = error.props.iter().find(|(k, _)| k == "details").map(|(_, v)| v);
        assert_eq!(details, Some(&Value::Object(vec![("path".into(), Value::String("/tmp/x".into()))])));

        let throw_value = errors.property("throwValue").unwrap().clone();
        let thrown_array = Value::Array(vec![Value::Number(1.0), Value::String("two".into())]);
        let Err(Error::Thrown(thrown)) = session.call(&throw_value, Value::Undefined, vec![thrown_array.clone()]) else {
            panic!("throwValue returned")
        };
        assert_eq!((thrown.value.clone(), thrown.error.is_none()), (thrown_array, true), "a thrown array is what was thrown");
    });
}

#[test]
fn a_napi_rs_addons_calls_are_relayed_to_the_host_thread() {
    let local = Arc::new(Recording::default());
    both_with(local.clone(), |session| {
        let rust = session.load(&addon("rust_addon")).unwrap();
        let relayed_before = session.channel().in_process().map(|host| host.relayed_calls().0);
        let add = rust.property("addI32").unwrap().clone();
        assert_eq!(session.call(&add, Value::Undefined, vec![Value::Number(2.0), Value::Number(3.0)]).unwrap(), Value::Number(5.0));
        let call_with = rust.property("callWith").unwrap().clone();
        let f = Value::Py { id: session.new_local(), callable: true };
        assert_eq!(session.call(&call_with, Value::Undefined, vec![f, Value::Number(41.0)]).unwrap(), Value::Number(42.0));
        let calls = local.take();
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(calls[0].0, std::thread::current().id(), "the local call runs on the caller's thread");
        if let Some(before) = relayed_before {
            let relayed = session.channel().in_process().unwrap().relayed_calls().0 - before;
            assert_eq!(relayed, 2, "both calls relayed to the host thread (a library with thread-local storage)");
            assert_eq!(calls[0].1, Some(CameBy::Inline), "a relayed call's local calls still run inline");
        }
    });
}
