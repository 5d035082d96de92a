//! What a failed load says on Windows, from napi-hostd.exe and in-process hosts alike: the
//! cause as Windows words it, with its code, where libloading's own text names only the call
//! that failed ("LoadLibraryExW failed"). Wine words some causes otherwise than Windows;
//! the codes are the same. Run by `scripts/windows test`.

#![cfg(windows)]

mod windows_common;

use napi_client::session::Session;

use windows_common::{addon, both, windows_build};

/// What loading `path` fails with.
fn load_error(session: &Session, path: &str) -> String {
    match session.load(path) {
        Err(error) => error.to_string(),
        Ok(_) => panic!("{path} loaded"),
    }
}

#[test]
fn a_path_that_does_not_exist_is_named_missing() {
    both(|session| {
        let missing = windows_build().join("addons").join("no_such_addon.node");
        let message = load_error(&session, &missing.to_string_lossy());
        assert!(message.contains("no such file") && message.contains("no_such_addon.node"), "{message}");
    });
}

#[test]
fn a_dll_whose_dependency_is_missing_says_so_with_the_code() {
    both(|session| {
        let message = load_error(&session, &addon("missing_dependency"));
        // ERROR_MOD_NOT_FOUND: "The specified module could not be found." on Windows.
        assert!(message.contains("missing_dependency.node") && message.contains("(os error 126)"), "{message}");
        assert!(message.contains("a DLL it depends on was not found"), "{message}");
    });
}

#[test]
fn a_file_that_is_no_dll_says_so_with_the_code() {
    both(|session| {
        let dir = windows_build().join("load-errors");
        std::fs::create_dir_all(&dir).unwrap();
        let text = dir.join("text.node");
        std::fs::write(&text, "this is not a DLL\n").unwrap();
        let message = load_error(&session, &text.to_string_lossy());
        // ERROR_BAD_EXE_FORMAT: "%1 is not a valid Win32 application." on Windows.
        assert!(message.contains("(os error 193)"), "{message}");
        assert!(!message.contains("depends on"), "{message}");
    });
}

#[test]
fn a_dll_beside_the_addon_is_found_as_node_finds_it() {
    // addons/beside/ holds beside_dependency.node with the DLL it imports from: node's loader
    // (LOAD_WITH_ALTERED_SEARCH_PATH) finds it there; Windows' default search would look in
    // napi-hostd.exe's folder, or the test program's, instead.
    both(|session| {
        let path = addon("beside/beside_dependency");
        let addon = session.load(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(addon.property("answer"), Some(&napi_protocol::Value::Number(42.0)));
    });
}
