//! A Rust program that loads a Node-API addon and calls one of its functions through the
//! client's core, with no Python:
//!
//! ```text
//! cargo run -p napi-client --example call -- [--in-process] ADDON FUNCTION [ARG ...]
//! cargo run -p napi-client --example call -- build/addons/bench.node add 1 2      # prints 3
//! ```
//!
//! Each ARG is a number if it reads as one, `true`/`false`/`null`/`undefined` as themselves,
//! else a string. Isolated (the default), the host is `$NAPI_HOSTD`, else the `napi-hostd`
//! scripts/build puts beside the Python package. `--in-process` runs the host on a thread of
//! this program instead, which exports the Node-API functions for the addon (build.rs).

use std::process::ExitCode;
use std::time::Duration;

use napi_client::link::host_process::Spawn;
use napi_client::session::{Mode, NoLocalObjects, Session};
use napi_protocol::Value;

const USAGE: &str = "usage: call [--in-process] ADDON FUNCTION [ARG ...]";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let in_process = args.first().is_some_and(|a| a == "--in-process");
    if in_process {
        args.remove(0);
    }
    let [addon, function, rest @ ..] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let mode = if in_process { Mode::InProcess } else { Mode::Isolated { what: hostd(), timeout: Some(Duration::from_secs(30)) } };
    match call(mode, addon, function, rest.iter().map(|a| argument(a)).collect()) {
        Ok(value) => {
            println!("{}", shown(&value));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Loads `addon` in a host started as `mode` and calls its export `function` with `args`.
fn call(mode: Mode, addon: &str, function: &str, args: Vec<Value>) -> Result<Value, Box<dyn std::error::Error>> {
    let session = Session::start(mode, std::sync::Arc::new(NoLocalObjects))?;
    let loaded = session.load(addon)?;
    let func = session.get(loaded.exports(), function)?;
    if !matches!(*func, Value::Js(_)) {
        return Err(format!("{addon} exports no function {function:?} (it is {})", shown(&func)).into());
    }
    let value = session.call(&func, Value::Undefined, args)?.value().clone();
    session.close();
    Ok(value)
}

/// The host to start: `$NAPI_HOSTD`, else the one scripts/build puts beside the Python package.
fn hostd() -> Spawn {
    let program = std::env::var("NAPI_HOSTD")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../client-py/python/napi_python/bin/napi-hostd").into());
    Spawn { program, args: Vec::new(), env: Vec::new() }
}

/// A command-line argument as the value the addon is given.
fn argument(text: &str) -> Value {
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        "undefined" => Value::Undefined,
        _ => text.parse().map_or_else(|_| Value::String(text.into()), Value::Number),
    }
}

/// `value` as a line of output: primitives as JavaScript writes them, anything else as the
/// protocol names it.
fn shown(value: &Value) -> String {
    match value {
        Value::Undefined => "undefined".into(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e21 => format!("{n:.0}"),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        other => format!("{other:?}"),
    }
}
