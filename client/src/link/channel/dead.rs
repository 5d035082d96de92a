//! Why a host can no longer answer: what every waiter on a dead host is told, and what the
//! package's `_dead` hook builds the Python exception from.

/// How the host came to stop answering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeathKind {
    /// The client closed it on purpose.
    Closed,
    /// It died, or broke the protocol and was stopped.
    Crashed,
    /// A call outlived its timeout; the host's group was killed.
    Timeout,
    /// This process is a fork of the one the host serves (`crate::link::forks`).
    Forked,
    /// The client ended it, as node ends its process, for an exception nothing caught.
    Uncaught,
}

/// Why the host can no longer answer.
#[derive(Clone, Debug)]
pub struct Dead {
    pub kind: DeathKind,
    pub pid: u32,
    pub message: String,
    pub signal: Option<String>,
    pub exit_code: Option<i32>,
    pub stderr: String,
    /// The resource limit the host most likely died of ("memory", "cpu").
    pub limit: Option<&'static str>,
}

impl Dead {
    /// The arguments of the package's `_dead` hook, which builds the Python exception.
    #[allow(clippy::type_complexity, reason = "a plain argument tuple for a Python call")]
    pub fn hook_args(&self) -> (&'static str, u32, String, Option<String>, Option<i32>, String, Option<&'static str>) {
        let kind = match self.kind {
            DeathKind::Closed => "closed",
            DeathKind::Crashed => "crashed",
            DeathKind::Timeout => "timeout",
            DeathKind::Forked => "forked",
            DeathKind::Uncaught => "uncaught",
        };
        (kind, self.pid, self.message.clone(), self.signal.clone(), self.exit_code, self.stderr.clone(), self.limit)
    }
}
