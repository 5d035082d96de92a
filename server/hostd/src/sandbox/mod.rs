//! Confinement of the host process, applied in `main` before the socket is served, before any
//! addon is loaded and before any thread starts (so every thread inherits it, and so does code
//! that runs while a library loads).
//!
//! Two layers: [`defaults`] for every host (no core files, no new privileges, subreaper), and,
//! when the client asks for it, the sandbox proper ([`filesystem`] with Landlock,
//! [`capabilities`] all dropped, [`syscalls`] with seccomp) plus resource limits ([`limits`]). Each layer names what it applied; the names
//! travel to the client in the handshake so that it can insist on them.

#[cfg(target_os = "linux")]
mod arch;
#[cfg(target_os = "linux")]
mod capabilities;
mod defaults;
#[cfg(target_os = "linux")]
mod filesystem;
mod limits;
mod seatbelt;
#[cfg(target_os = "linux")]
mod syscalls;

use std::path::PathBuf;

pub use defaults::{apply_defaults, close_inherited, die_with};

/// What the client asked for on the command line.
#[derive(Debug, Default)]
pub struct Settings {
    /// Apply Landlock and seccomp.
    pub sandbox: bool,
    /// Paths the addon may read (beneath); the system library directories are added.
    pub read: Vec<PathBuf>,
    /// Paths the addon may read and write (beneath).
    pub write: Vec<PathBuf>,
    pub limits: limits::Limits,
    /// Apply the Seatbelt profile on macOS although it has not yet run on a Mac
    /// (`--sandbox-untested-seatbelt`, macOS's only); without it `--sandbox` there refuses to start.
    #[cfg(target_os = "macos")]
    pub untested_seatbelt: bool,
}

impl Settings {
    /// Parses one option of the command line; `next` yields its value. Answers `Ok(false)` for
    /// an option that is not a sandbox one.
    pub fn parse_option(&mut self, flag: &str, next: &mut dyn FnMut() -> Option<String>) -> Result<bool, String> {
        let mut value = |what: &str| next().ok_or_else(|| format!("{flag} takes {what}"));
        let number = |s: String| s.parse::<u64>().map_err(|_| format!("{flag} takes a number, not {s:?}"));
        match flag {
            "--sandbox" => self.sandbox = true,
            #[cfg(target_os = "macos")]
            "--sandbox-untested-seatbelt" => self.untested_seatbelt = true,
            "--read" => self.read.push(value("a path")?.into()),
            "--write" => self.write.push(value("a path")?.into()),
            "--memory" => self.limits.memory = Some(number(value("a size in bytes")?)?),
            "--cpu" => self.limits.cpu = Some(number(value("a number of seconds")?)?),
            "--open-files" => self.limits.open_files = Some(number(value("a count")?)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Applies the limits, then (when asked) the sandbox. Answers the names of the protections
    /// now in force, defaults included. Anything that was asked for and failed is an error: the
    /// client would otherwise believe in a protection that is not there.
    pub fn apply(&self, mut active: Vec<String>) -> Result<Vec<String>, String> {
        self.limits.apply(&mut active)?;
        if self.sandbox {
            self.confine(&mut active)?;
        }
        Ok(active)
    }

    #[cfg(target_os = "linux")]
    fn confine(&self, active: &mut Vec<String>) -> Result<(), String> {
        filesystem::restrict(&self.read, &self.write, active)?;
        capabilities::drop_all(active)?;
        syscalls::restrict(active)
    }

    /// Seatbelt, once the caller said it takes the profile untested (docs/platforms.md).
    #[cfg(target_os = "macos")]
    fn confine(&self, active: &mut Vec<String>) -> Result<(), String> {
        if !self.untested_seatbelt {
            return Err("the macOS sandbox (Seatbelt) has not yet run on a Mac; --sandbox-untested-seatbelt (Sandbox(untested_seatbelt=True)) applies its profile anyway".into());
        }
        seatbelt::apply(&self.read, &self.write, active)
    }
}
