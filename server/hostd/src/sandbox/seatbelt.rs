//! macOS's sandbox (Seatbelt): the policy Landlock and seccomp apply on Linux, written as a
//! profile for `sandbox_init` in SBPL, the Scheme dialect of Apple's sandbox. Generated and
//! checked on every OS; it has not yet run on a Mac (docs/platforms.md), which is why the macOS
//! host applies it only when the client passes `--sandbox-untested-seatbelt` ([`apply`]).
//!
//! The policy, rule for rule with Linux: reads beneath the system's library, loader and time
//! zone folders and the `--read` paths (mapping code from them too: Landlock's read rights
//! include execution); reads and writes beneath the `--write` paths; no modes, owners, times,
//! flags or extended attributes changed, no device nodes made (seccomp's metadata calls and
//! `mknod`); no network at all; no new processes or programs; signals and process information
//! for this process only. Everything else is denied: unlike seccomp's deny-list, SBPL starts
//! from `(deny default)`, so what macOS has and Linux does not (Mach services) is refused too.
//! File metadata (`stat`) stays readable everywhere, as Landlock leaves it.
//!
//! Seatbelt compares resolved paths (`/private/tmp`, not `/tmp`): the caller passes paths
//! through `std::fs::canonicalize` first. An operation name macOS does not know makes
//! `sandbox_init` fail with an error, never a weaker profile.
#![cfg_attr(not(any(test, target_os = "macos")), allow(dead_code))] // applied by the macOS host alone

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What dyld and the C runtime read on macOS: the counterparts of Linux's `SYSTEM_READ`.
const SYSTEM_READ: &[&str] = &[
    // The system's dylibs and frameworks (libSystem, CoreFoundation, IOKit...).
    "/usr/lib",
    "/System/Library",
    // dyld's shared cache: macOS 13 and later, then older releases.
    "/System/Volumes/Preboot/Cryptexes/OS",
    "/System/Cryptexes/OS",
    "/private/var/db/dyld",
    // Locally installed libraries: /usr/local's, and Homebrew's on Apple silicon.
    "/usr/local/lib",
    "/opt/homebrew/lib",
    // Time zones (/etc/localtime links into /var/db/timezone).
    "/private/etc/localtime",
    "/private/var/db/timezone",
    "/usr/share/zoneinfo",
    "/dev/urandom",
    "/dev/random",
    "/dev/zero",
    "/dev/null",
];

/// What the `--write` paths may not have done to them, wherever they are (seccomp's refused
/// metadata calls, and device nodes).
const NEVER: &[&str] = &[
    "file-write-mode",
    "file-write-owner",
    "file-write-times",
    "file-write-flags",
    "file-write-xattr",
    "file-write-setugid",
    "file-mknod",
];

/// The SBPL profile confining a host to `read` (beneath, read-only) and `write` (beneath, read
/// and write), both resolved absolute paths. Errors name a path the profile cannot hold.
pub fn profile(read: &[PathBuf], write: &[PathBuf]) -> Result<String, String> {
    let system: Vec<PathBuf> = SYSTEM_READ.iter().map(PathBuf::from).collect();
    let mut out = String::from("(version 1)\n(deny default)\n");
    out.push_str("(allow file-read-metadata)\n(allow sysctl-read)\n");
    out.push_str("(allow process-info* (target self))\n(allow signal (target self))\n");
    out.push_str("(allow file-read* file-map-executable");
    subpaths(&mut out, system.iter().chain(read))?;
    out.push_str(")\n");
    if !write.is_empty() {
        out.push_str("(allow file-read* file-write* file-map-executable");
        subpaths(&mut out, write.iter())?;
        out.push_str(")\n");
    }
    // Last, so it overrides the allows above (SBPL's later rules win).
    let _ = writeln!(out, "(deny {})", NEVER.join(" "));
    Ok(out)
}

fn subpaths<'a>(out: &mut String, paths: impl Iterator<Item = &'a PathBuf>) -> Result<(), String> {
    for path in paths {
        let _ = write!(out, "\n    (subpath {})", string_literal(path)?);
    }
    Ok(())
}

/// A path as an SBPL string literal: `"` and `\` escaped, control characters as `\xHH` (the
/// TinyScheme reader SBPL uses takes at most two hex digits, so what follows is never read as
/// part of one), anything else as is (macOS's paths are UTF-8).
fn string_literal(path: &Path) -> Result<String, String> {
    let text = path.to_str().ok_or_else(|| format!("{path:?} is not UTF-8, which macOS paths are"))?;
    if !path.is_absolute() {
        return Err(format!("{text:?} is not an absolute path"));
    }
    if text.contains('\0') {
        return Err(format!("{text:?} holds a NUL character, which no path can"));
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.trim_end_matches('/').chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    if out == "\"" {
        out.push('/'); // the root itself
    }
    out.push('"');
    Ok(out)
}

#[cfg(target_os = "macos")]
extern "C" {
    /// `<sandbox.h>`: confines this process, every thread of it, with `profile`, SBPL source when
    /// `flags` is 0; on failure `*errorbuf` holds a message to free with `sandbox_free_error`.
    fn sandbox_init(profile: *const libc::c_char, flags: u64, errorbuf: *mut *mut libc::c_char) -> libc::c_int;
    fn sandbox_free_error(errorbuf: *mut libc::c_char);
}

/// Confines this process with the profile for `read` and `write` (resolved first, as Seatbelt
/// compares resolved paths); adds `seatbelt` to `active`. A path that does not exist is left out
/// (nothing beneath it can be opened then either).
#[cfg(target_os = "macos")]
pub fn apply(read: &[PathBuf], write: &[PathBuf], active: &mut Vec<String>) -> Result<(), String> {
    let resolved = |paths: &[PathBuf]| paths.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect::<Vec<_>>();
    let text = profile(&resolved(read), &resolved(write))?;
    let text = std::ffi::CString::new(text).map_err(|_| "the profile holds a NUL byte".to_string())?;
    let mut error: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: a NUL-terminated profile and a valid out-pointer for the message.
    if unsafe { sandbox_init(text.as_ptr(), 0, &mut error) } != 0 {
        let why = if error.is_null() {
            "no reason given".to_string()
        } else {
            // SAFETY: sandbox_init wrote a NUL-terminated message, ours to free once read.
            let why = unsafe { std::ffi::CStr::from_ptr(error) }.to_string_lossy().into_owned();
            // SAFETY: the message sandbox_init gave, freed once.
            unsafe { sandbox_free_error(error) };
            why
        };
        return Err(format!("sandbox_init refused the profile: {why}"));
    }
    active.push("seatbelt".into());
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The profiles are read back with a small reader of SBPL's syntax (TinyScheme's strings
    //! and lists) and evaluated for probe paths, so what is checked is what a profile allows,
    //! not how it is spelled.

    use super::super::Settings;
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Expr {
        Atom(String),
        Str(String),
        List(Vec<Expr>),
    }

    /// TinyScheme's reading: `;` comments, strings with `\" \\ \n \t \r \xH[H]`, lists, atoms.
    fn read_all(text: &str) -> Vec<Expr> {
        let mut chars = text.chars().peekable();
        let mut forms = Vec::new();
        while let Some(form) = read(&mut chars) {
            forms.push(form);
        }
        forms
    }

    fn read(chars: &mut std::iter::Peekable<std::str::Chars>) -> Option<Expr> {
        loop {
            match chars.peek()? {
                c if c.is_whitespace() => {
                    chars.next();
                }
                ';' => {
                    chars.by_ref().take_while(|c| *c != '\n').for_each(drop);
                }
                _ => break,
            }
        }
        match chars.next()? {
            '(' => {
                let mut items = Vec::new();
                loop {
                    while chars.peek().is_some_and(|c| c.is_whitespace()) {
                        chars.next();
                    }
                    if chars.peek() == Some(&')') {
                        chars.next();
                        return Some(Expr::List(items));
                    }
                    items.push(read(chars).expect("unbalanced list"));
                }
            }
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next().expect("unterminated string") {
                        '"' => return Some(Expr::Str(s)),
                        '\\' => match chars.next().expect("unterminated escape") {
                            'n' => s.push('\n'),
                            't' => s.push('\t'),
                            'r' => s.push('\r'),
                            'x' => {
                                let mut code = 0;
                                for _ in 0..2 {
                                    match chars.peek().and_then(|c| c.to_digit(16)) {
                                        Some(d) => {
                                            code = code * 16 + d;
                                            chars.next();
                                        }
                                        None => break,
                                    }
                                }
                                s.push(char::from_u32(code).unwrap());
                            }
                            c => s.push(c),
                        },
                        c => s.push(c),
                    }
                }
            }
            ')' => panic!("unexpected )"),
            c => {
                let mut atom = c.to_string();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' {
                        break;
                    }
                    atom.push(c);
                    chars.next();
                }
                Some(Expr::Atom(atom))
            }
        }
    }

    /// Whether the profile allows `operation` on `path` (the last matching rule wins; an
    /// operation ending in `*` covers every operation it prefixes).
    fn allows(forms: &[Expr], operation: &str, path: &str) -> bool {
        let mut verdict = false;
        for form in forms {
            let Expr::List(items) = form else { panic!("top-level atom {form:?}") };
            let Some(Expr::Atom(action)) = items.first() else { panic!("empty form") };
            if action == "version" {
                continue;
            }
            let ops: Vec<&str> = items[1..].iter().filter_map(|e| if let Expr::Atom(a) = e { Some(a.as_str()) } else { None }).collect();
            let filters: Vec<&Expr> = items[1..].iter().filter(|e| matches!(e, Expr::List(_))).collect();
            let op_matches =
                ops.iter().any(|op| *op == "default" || *op == operation || op.strip_suffix('*').is_some_and(|p| operation.starts_with(p)));
            let path_matches = filters.is_empty() || filters.iter().any(|f| beneath(f, path));
            if op_matches && path_matches {
                verdict = action == "allow";
            }
        }
        verdict
    }

    fn beneath(filter: &Expr, path: &str) -> bool {
        match filter {
            Expr::List(items) => match items.as_slice() {
                [Expr::Atom(kind), Expr::Str(dir)] if kind == "subpath" => {
                    path == dir || path.starts_with(&format!("{}/", dir.trim_end_matches('/')))
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// The settings the host parses from the command line the Python client builds
    /// (`Sandbox.host_args`: `--sandbox`, then each `--read` and `--write` path).
    fn settings(args: &[&str]) -> Settings {
        let mut settings = Settings::default();
        let mut args = args.iter().map(|s| s.to_string());
        while let Some(flag) = args.next() {
            assert!(settings.parse_option(&flag, &mut || args.next()).unwrap(), "{flag}");
        }
        settings
    }

    fn profile_of(args: &[&str]) -> Vec<Expr> {
        let s = settings(args);
        read_all(&profile(&s.read, &s.write).unwrap())
    }

    #[test]
    fn reads_writes_and_nothing_else_as_on_linux() {
        let forms = profile_of(&["--sandbox", "--read", "/Users/me/addon", "--read", "/opt/data/", "--write", "/private/tmp/out"]);
        for path in ["/Users/me/addon", "/Users/me/addon/build/Release/x.node", "/opt/data/a", "/usr/lib/libSystem.B.dylib", "/dev/urandom"]
        {
            assert!(allows(&forms, "file-read-data", path), "{path}");
            assert!(allows(&forms, "file-map-executable", path), "{path}");
            assert!(!allows(&forms, "file-write-data", path), "{path}");
            assert!(!allows(&forms, "file-write-create", path), "{path}");
        }
        for path in ["/Users/me/addon2", "/Users/me", "/etc/passwd", "/Users/me/.ssh/id_ed25519", "/private/tmp/other", "/"] {
            assert!(!allows(&forms, "file-read-data", path), "{path}");
            assert!(allows(&forms, "file-read-metadata", path), "{path}: stat is open, as under Landlock");
        }
        for path in ["/private/tmp/out", "/private/tmp/out/a/b"] {
            for op in ["file-read-data", "file-write-data", "file-write-create", "file-write-unlink"] {
                assert!(allows(&forms, op, path), "{op} {path}");
            }
            for op in NEVER {
                assert!(!allows(&forms, op, path), "{op} {path}: seccomp refuses it on Linux");
            }
        }
        for op in [
            "network-outbound",
            "network-inbound",
            "network-bind",
            "process-fork",
            "process-exec",
            "mach-lookup",
            "ipc-posix-shm-read-data",
        ] {
            assert!(!allows(&forms, op, "/private/tmp/out"), "{op}");
        }
    }

    #[test]
    fn a_sandbox_without_paths_reads_the_system_only() {
        let forms = profile_of(&["--sandbox"]);
        assert!(allows(&forms, "file-read-data", "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"));
        assert!(!allows(&forms, "file-read-data", "/Users"));
        assert!(!forms.iter().any(|f| format!("{f:?}").contains("file-write*")), "no write rule at all");
    }

    #[test]
    fn paths_cannot_break_out_of_their_string() {
        let tricky = [
            "/a\"b",
            "/a\\b",
            "/a\\",
            "/x\") (allow default) (\"",
            "/semi;colon (paren)",
            "/new\nline/tab\there\r",
            "/bell\x07del\x7f",
            "/\x01f",
            "/Üñïçødé/日本",
        ];
        let read: Vec<PathBuf> = tricky.iter().map(PathBuf::from).collect();
        let forms = read_all(&profile(&read, &[]).unwrap());
        // Exactly the forms a plain profile has: no path added a rule.
        assert_eq!(forms.len(), read_all(&profile(&[], &[]).unwrap()).len());
        for path in tricky {
            assert!(allows(&forms, "file-read-data", path), "{path:?} is read back as itself");
        }
        assert!(!allows(&forms, "network-outbound", "/"));
        assert!(!allows(&forms, "file-read-data", "/x"));
    }

    #[test]
    fn an_escape_is_never_extended_by_what_follows() {
        // "\x01" then "f": TinyScheme reads two hex digits at most, "\x01f" would be 0x1f.
        assert_eq!(string_literal(Path::new("/\x01f")).unwrap(), "\"/\\x01f\"");
        assert_eq!(read_all(&string_literal(Path::new("/\x01f")).unwrap()), vec![Expr::Str("/\x01f".into())]);
    }

    #[test]
    fn trailing_slashes_and_the_root() {
        assert_eq!(string_literal(Path::new("/opt/data/")).unwrap(), "\"/opt/data\"");
        assert_eq!(string_literal(Path::new("/")).unwrap(), "\"/\"");
    }

    #[test]
    fn paths_it_cannot_hold_are_errors() {
        assert_eq!(profile(&[PathBuf::from("relative/dir")], &[]).unwrap_err(), "\"relative/dir\" is not an absolute path");
        assert!(profile(&[], &[PathBuf::from("/a\0b")]).unwrap_err().contains("NUL"));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let latin1 = PathBuf::from(std::ffi::OsStr::from_bytes(b"/caf\xe9"));
            assert!(profile(&[latin1], &[]).unwrap_err().contains("not UTF-8"));
        }
    }
}
