//! What a failed load of an addon's library says: the system's own reason, and what it means
//! when that alone would mislead.

use std::error::Error;

/// The loader's message for `error`: `dlerror`'s text on Linux and macOS; on Windows the OS
/// error libloading keeps as the error's source (its own text names only the call that failed,
/// "LoadLibraryExW failed"), as Windows words it, with its code.
pub fn describe(error: &libloading::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    explain(message, error)
}

/// The message, with the library a missing symbol belongs to when only node has it: V8's C++
/// API and node's own are linked into the `node` executable, not into any library this host
/// could provide.
#[cfg(unix)]
fn explain(message: String, _: &libloading::Error) -> String {
    let Some(symbol) = message.rsplit("undefined symbol: ").next().filter(|_| message.contains("undefined symbol: ")) else {
        return message;
    };
    let symbol = symbol.split_whitespace().next().unwrap_or(symbol);
    let owner = if symbol.starts_with("_ZN2v8") || symbol.starts_with("_ZNK2v8") || symbol.starts_with("_ZTVN2v8") {
        "V8's C++ API (v8.h)"
    } else if symbol.starts_with("_ZN4node") || symbol.starts_with("_ZNK4node") || symbol.starts_with("_ZTVN4node") {
        "node's C++ API (node.h)"
    } else {
        return message;
    };
    format!("{message} (a symbol of {owner}, which exists only inside the node executable: an addon that calls it cannot run outside node)")
}

/// The message, with what "module not found" means for a file that exists (the load is tried
/// only then): a DLL it imports from is missing, which Windows does not name.
#[cfg(windows)]
fn explain(message: String, error: &libloading::Error) -> String {
    const ERROR_MOD_NOT_FOUND: i32 = 126;
    let code = error.source().and_then(|cause| cause.downcast_ref::<std::io::Error>()).and_then(std::io::Error::raw_os_error);
    if code == Some(ERROR_MOD_NOT_FOUND) {
        format!("{message} (the file exists: a DLL it depends on was not found)")
    } else {
        message
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::{describe, explain};

    /// What loading a file that is no library fails with. `name` keeps each test's file its own,
    /// as the tests of one process run in parallel and one's removal would race the other's load.
    fn not_a_library(name: &str) -> (std::path::PathBuf, libloading::Error) {
        let path = std::env::temp_dir().join(format!("napi-load-error-{}-{name}.node", std::process::id()));
        std::fs::write(&path, "this is not a shared library\n").unwrap();
        // SAFETY: the file is no library, so nothing of it runs.
        let error = unsafe { libloading::os::unix::Library::open(Some(&path), libc::RTLD_LAZY) }.expect_err("text is no library");
        std::fs::remove_file(&path).unwrap();
        (path, error)
    }

    #[test]
    fn a_unix_load_error_is_dlerrors_text_alone() {
        let (path, error) = not_a_library("dlerror");
        let message = describe(&error);
        assert_eq!(message, error.to_string());
        // glibc: "PATH: invalid ELF header"; macOS: "dlopen(PATH, 0x0001): ..."
        assert!(message.contains(&*path.to_string_lossy()), "{message}");
    }

    #[test]
    fn a_symbol_only_node_has_is_named_as_nodes() {
        let (_, error) = not_a_library("v8");
        let message = "addon.node: undefined symbol: _ZN2v87Isolate10GetCurrentEv".to_string();
        let explained = explain(message.clone(), &error);
        assert!(explained.starts_with(&message) && explained.contains("V8's C++ API (v8.h)"), "{explained}");
        let other = "addon.node: undefined symbol: napi_python_nobody".to_string();
        assert_eq!(explain(other.clone(), &error), other);
    }
}
