//! The filesystem allow-list, network and scope restrictions, with Landlock.
//!
//! Everything Landlock can handle on this kernel is handled; only the paths given are allowed.
//! Files already open (the socket, stdout, stderr) stay usable: Landlock checks opens, not reads.

use std::path::PathBuf;

use landlock::{path_beneath_rules, Access, AccessFs, AccessNet, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope, ABI};

/// What the dynamic loader and the C runtime read to load a library and its dependencies.
const SYSTEM_READ: &[&str] = &[
    "/lib",
    "/lib64",
    "/lib32",
    "/usr/lib",
    "/usr/lib64",
    "/usr/lib32",
    "/usr/local/lib",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/usr/share/zoneinfo",
    "/dev/urandom",
    "/dev/random",
    "/dev/zero",
    "/dev/null",
];

/// The newest ABI this code was written and tested against (Linux 6.15).
const TESTED: ABI = ABI::V7;

pub fn restrict(read: &[PathBuf], write: &[PathBuf], active: &mut Vec<String>) -> Result<(), String> {
    let err = |e: landlock::RulesetError| format!("landlock: {e}");
    let reads = SYSTEM_READ.iter().map(PathBuf::from).chain(read.iter().cloned());
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(TESTED))
        .map_err(err)?
        // No TCP bind or connect at all (ABI 4); seccomp refuses the other socket families.
        .handle_access(AccessNet::from_all(TESTED))
        .map_err(err)?
        // No signals to, and no abstract Unix sockets of, processes outside the sandbox (ABI 6).
        .scope(Scope::from_all(TESTED))
        .map_err(err)?
        .create()
        .map_err(err)?
        .add_rules(path_beneath_rules(reads, AccessFs::from_read(TESTED)))
        .map_err(err)?
        // Everything but device nodes (a character device 0:0 needs no privilege to make).
        .add_rules(path_beneath_rules(write, AccessFs::from_all(TESTED) & !(AccessFs::MakeChar | AccessFs::MakeBlock)))
        .map_err(err)?
        .restrict_self()
        .map_err(err)?;
    match status.ruleset {
        RulesetStatus::FullyEnforced => {
            active.extend(["landlock_filesystem", "landlock_network", "landlock_scopes"].map(String::from));
            Ok(())
        }
        // An older kernel: the filesystem part (ABI 1) holds, the rest may not.
        RulesetStatus::PartiallyEnforced => {
            active.push("landlock_filesystem".into());
            Ok(())
        }
        RulesetStatus::NotEnforced => Err("landlock is not available on this kernel".into()),
    }
}
