//! Compiles libuv from the sources vendored in `libuv/`, as libuv's CMakeLists.txt does for the
//! target's OS (one function per OS below holds its list), with `src/loop_state.c` and a file of
//! `_Static_assert`s made from the hand-written declarations of `src/uv.rs`
//! (`declaration_checks`): a value or a signature there that disagrees with uv.h fails the build.

use std::fmt::Write as _;
use std::path::PathBuf;

/// Every platform's sources (CMakeLists.txt's `uv_sources`), under `libuv/src/`.
const COMMON: &[&str] = &[
    "fs-poll.c",
    "idna.c",
    "inet.c",
    "random.c",
    "strscpy.c",
    "strtok.c",
    "thread-common.c",
    "threadpool.c",
    "timer.c",
    "uv-common.c",
    "uv-data-getter-setters.c",
    "version.c",
];

/// Every Unix's (CMakeLists.txt's branch for all but WIN32).
const UNIX: &[&str] = &[
    "unix/async.c",
    "unix/core.c",
    "unix/dl.c",
    "unix/fs.c",
    "unix/getaddrinfo.c",
    "unix/getnameinfo.c",
    "unix/loop-watcher.c",
    "unix/loop.c",
    "unix/pipe.c",
    "unix/poll.c",
    "unix/process.c",
    "unix/random-devurandom.c",
    "unix/signal.c",
    "unix/stream.c",
    "unix/tcp.c",
    "unix/thread.c",
    "unix/tty.c",
    "unix/udp.c",
];

/// Windows' (CMakeLists.txt's WIN32 branch).
const WINDOWS: &[&str] = &[
    "win/async.c",
    "win/core.c",
    "win/detect-wakeup.c",
    "win/dl.c",
    "win/error.c",
    "win/fs.c",
    "win/fs-event.c",
    "win/getaddrinfo.c",
    "win/getnameinfo.c",
    "win/handle.c",
    "win/loop-watcher.c",
    "win/pipe.c",
    "win/thread.c",
    "win/poll.c",
    "win/process.c",
    "win/process-stdio.c",
    "win/signal.c",
    "win/snprintf.c",
    "win/stream.c",
    "win/tcp.c",
    "win/tty.c",
    "win/udp.c",
    "win/util.c",
    "win/winapi.c",
    "win/winsock.c",
];

fn main() {
    for path in ["build.rs", "libuv", "src/uv.rs", "src/loop_state.c", "src/loop_state_win.c", "src/loop_state.h"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let checks = out.join("declaration_checks.c");
    let declarations = std::fs::read_to_string("src/uv.rs").expect("src/uv.rs");
    std::fs::write(&checks, declaration_checks(&declarations)).unwrap();

    let mut build = cc::Build::new();
    // CMakeLists.txt's options for gcc and clang: C11 with GNU extensions, only UV_EXTERN
    // functions visible (the export lists of napi-hostd and the extension name them).
    build
        .include("libuv/include")
        .include("libuv/src")
        .include("src")
        .flag("-std=gnu11")
        .flag("-fvisibility=hidden")
        .flag("-fno-strict-aliasing")
        .flag("-Wstrict-prototypes")
        .flag("-Wno-unused-parameter");
    add(&mut build, COMMON);
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap();
    let loop_state = match os.as_str() {
        "linux" => {
            linux(&mut build);
            "src/loop_state.c"
        }
        "macos" => {
            darwin(&mut build);
            "src/loop_state.c"
        }
        "windows" => {
            windows(&mut build);
            "src/loop_state_win.c"
        }
        other => panic!("napi-libuv's build.rs has no libuv source list for {other} yet (see linux())"),
    };
    build.file(loop_state).file(&checks).compile("uv");
    println!("cargo:include={}", std::fs::canonicalize("libuv/include").unwrap().display());
}

/// Linux, any architecture: CMakeLists.txt's Unix branch and its `Linux` one, and `proctitle.c`.
fn linux(build: &mut cc::Build) {
    unix(build);
    build.define("_GNU_SOURCE", None).define("_POSIX_C_SOURCE", "200112");
    add(build, &["unix/linux.c", "unix/procfs-exepath.c", "unix/proctitle.c", "unix/random-getrandom.c", "unix/random-sysctl-linux.c"]);
    for lib in ["pthread", "dl", "rt", "m"] {
        println!("cargo:rustc-link-lib={lib}");
    }
}

/// macOS, arm64 and x86-64 (zig cc with its macOS headers): CMakeLists.txt's Unix branch and its
/// APPLE ones (kqueue, FSEvents, darwin's proctitle, getentropy). Nothing else is linked: libuv
/// opens CoreFoundation, CoreServices and IOKit itself with dlopen when a watch or a CPU's speed
/// needs them, and everything else is libSystem's.
fn darwin(build: &mut cc::Build) {
    unix(build);
    build.define("_DARWIN_UNLIMITED_SELECT", "1").define("_DARWIN_USE_64_BIT_INODE", "1");
    add(
        build,
        &[
            "unix/darwin-proctitle.c",
            "unix/darwin.c",
            "unix/fsevents.c",
            "unix/proctitle.c",
            "unix/bsd-ifaddrs.c",
            "unix/kqueue.c",
            "unix/random-getentropy.c",
        ],
    );
}

/// Windows x86-64 by mingw-w64's gcc: CMakeLists.txt's WIN32 branch, its definitions (Windows 10's
/// API, as libuv 1.53 requires) and system libraries.
fn windows(build: &mut cc::Build) {
    build.define("WIN32_LEAN_AND_MEAN", None).define("_WIN32_WINNT", "0x0A00");
    add(build, WINDOWS);
    for lib in ["psapi", "user32", "advapi32", "iphlpapi", "userenv", "ws2_32", "dbghelp", "ole32", "shell32"] {
        println!("cargo:rustc-link-lib={lib}");
    }
}

/// What every Unix adds (the sources and definitions of CMakeLists.txt's branch for all but WIN32).
fn unix(build: &mut cc::Build) {
    build.define("_FILE_OFFSET_BITS", "64").define("_LARGEFILE_SOURCE", None);
    add(build, UNIX);
}

fn add(build: &mut cc::Build, sources: &[&str]) {
    for source in sources {
        build.file(format!("libuv/src/{source}"));
    }
}

/// C that checks each declaration of `src/uv.rs` against uv.h and loop_state.h: every constant
/// has the headers' value, every type alias and function their C type (GNU C's
/// `__builtin_types_compatible_p`, in gcc and clang). An item it cannot read fails the build.
fn declaration_checks(rust: &str) -> String {
    let code = rust.lines().map(str::trim).filter(|line| !line.starts_with("//")).collect::<Vec<_>>().join(" ");
    let mut c = String::from("/* Made by napi-libuv's build.rs from src/uv.rs. */\n#include \"loop_state.h\"\n\n");
    for (at, _) in code.match_indices("pub ") {
        let item = &code[at + 4..];
        let Some(end) = item.find(';') else { panic!("src/uv.rs: no `;` after `pub {item}`") };
        let decl = &item[..end];
        if let Some(decl) = decl.strip_prefix("const ") {
            let (name, value) = split(decl, ":", "=").map(|(name, _, value)| (name, value)).expect(decl);
            writeln!(c, "_Static_assert({name} == {value}, \"src/uv.rs: {name} is not {value} in uv.h\");").unwrap();
        } else if let Some(decl) = decl.strip_prefix("type ") {
            let (name, rust_type) = decl.split_once('=').expect(decl);
            let (name, c_type) = (name.trim(), c_type(rust_type));
            writeln!(c, "_Static_assert(__builtin_types_compatible_p({name}, {c_type}), \"src/uv.rs: {name} is not {c_type}\");").unwrap();
        } else if let Some(decl) = decl.strip_prefix("fn ") {
            let (name, signature) = decl.split_once('(').expect(decl);
            let c_type = c_function_type(&format!("({signature}"), "(*)");
            writeln!(
                c,
                "_Static_assert(__builtin_types_compatible_p(__typeof__(&{name}), {c_type}), \"src/uv.rs: {name} is not {c_type}\");"
            )
            .unwrap();
        } else if !decl.starts_with("struct ") {
            panic!("src/uv.rs: build.rs cannot check `pub {decl}`");
        }
    }
    c
}

/// `a SEP1 b SEP2 c` as its three trimmed parts.
fn split<'a>(text: &'a str, first: &str, second: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let (a, rest) = text.split_once(first)?;
    let (b, c) = rest.split_once(second)?;
    Some((a.trim(), b.trim(), c.trim()))
}

/// The C type of a Rust FFI type of `src/uv.rs`.
fn c_type(rust: &str) -> String {
    let rust = rust.trim();
    if let Some(callback) = rust.strip_prefix("Option<unsafe extern \"C\" fn").and_then(|rest| rest.strip_suffix('>')) {
        return c_function_type(callback, "(*)");
    }
    if let Some(pointee) = rust.strip_prefix("*mut ") {
        return format!("{}*", c_type(pointee));
    }
    if let Some(pointee) = rust.strip_prefix("*const ") {
        return format!("{} const*", c_type(pointee));
    }
    match rust {
        "c_int" => "int".into(),
        "c_uint" => "unsigned int".into(),
        "c_char" => "char".into(),
        "c_void" => "void".into(),
        "usize" => "size_t".into(),
        "u64" => "uint64_t".into(),
        name if name.starts_with("uv_") && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => name.into(),
        other => panic!("src/uv.rs: build.rs has no C type for `{other}`"),
    }
}

/// The C type of a function of that Rust signature, `(name: Type, ...) -> Type`, with `declarator`
/// (`(*)` for a pointer to it) in the middle.
fn c_function_type(signature: &str, declarator: &str) -> String {
    let (arguments, result) = signature.rsplit_once(')').expect(signature);
    let arguments = arguments.trim().strip_prefix('(').expect(signature);
    let result = match result.trim().strip_prefix("->") {
        Some(result) => c_type(result),
        None if result.trim().is_empty() => "void".into(),
        None => panic!("src/uv.rs: cannot read the result of `{signature}`"),
    };
    let mut c_arguments = Vec::new();
    for argument in arguments.split(',').map(str::trim).filter(|argument| !argument.is_empty()) {
        let rust_type = argument.split_once(':').map_or(argument, |(_, rust_type)| rust_type);
        c_arguments.push(c_type(rust_type));
    }
    let c_arguments = if c_arguments.is_empty() { "void".to_string() } else { c_arguments.join(", ") };
    format!("{result} {declarator}({c_arguments})")
}
