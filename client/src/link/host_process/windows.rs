//! `spawn_here`, `reap` and `describe` on Windows: `napi-hostd.exe` in a job object
//! (`job_object.rs`), linked by named pipes, its handles handed over on its standard input.

use std::fs::File;
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use napi_link::shm::Rings;
use napi_link::streams::{Connection, HandleCarrier};

use super::job_object::{self, HostJob};
use super::{Ending, Exit, HostProcess, Runner, Sockets, Spawn};
use crate::link::host_output::{Output, Stream};

pub(super) fn spawn_here(what: Spawn) -> std::io::Result<(HostProcess, Sockets)> {
    let (mut ours, theirs) = Connection::pair()?;
    let (mut our_events, their_events) = Connection::pair()?;
    let (rings, rings_file) = Rings::create()?;
    let mut args = what.args.clone();
    args.extend(["--parent".into(), std::process::id().to_string()]);
    let output = Output::new()?;
    let mut started = job_object::spawn(&what.program, &args, &what.env)?;
    let handed = (|| {
        let handles = [
            &theirs.pipe,
            &theirs.wake_in,
            &theirs.wake_out,
            &their_events.pipe,
            &their_events.wake_in,
            &their_events.wake_out,
            &rings_file.fd,
        ];
        job_object::hand_over(&mut started, &handles.map(|h| h.as_raw_handle()))?;
        // Handles cross to the host by our hand alone (D34): each connection holds the host's
        // process, where Connection::pair put this one's.
        ours.handles = HandleCarrier::Holder(started.job.process_handle()?);
        our_events.handles = HandleCarrier::Holder(started.job.process_handle()?);
        std::io::Result::Ok(())
    })();
    let job_object::Started { job, pid, mut child } = started;
    let limit = |flag: &str| what.args.iter().position(|a| a == flag).and_then(|i| what.args.get(i + 1)).and_then(|v| v.parse().ok());
    let process = HostProcess {
        pid,
        output,
        memory_limit: limit("--memory"),
        cpu_limit: limit("--cpu"),
        exit: Mutex::new(None),
        runner: Runner::Child(job),
    };
    let pipes = (child.stdout.take(), child.stderr.take());
    let drained = match pipes {
        (Some(out), Some(err)) => process
            .output
            .drain(Stream::Stdout, File::from(OwnedHandle::from(out)))
            .and_then(|()| process.output.drain(Stream::Stderr, File::from(OwnedHandle::from(err)))),
        _ => Err(std::io::Error::other("the host's output pipes are gone")),
    };
    if let Err(e) = handed.and(drained) {
        process.kill_all();
        process.reap(Duration::ZERO);
        return Err(e);
    }
    Ok((process, Sockets { main: ours, events: our_events, rings }))
}

/// Waits until `deadline` for the host to exit, then ends its job (the host and whatever it
/// started); the job's other processes go in any case, as the process group does on Linux.
pub(super) fn reap(job: &HostJob, deadline: Instant) -> Exit {
    let exit = job.wait(deadline).unwrap_or_else(|| {
        job.kill();
        job.wait(Instant::now() + Duration::from_secs(5)).unwrap_or(Exit { status: job_object::KILLED as i32, max_rss_kib: 0 })
    });
    job.kill();
    exit
}

/// How the host ended, in the words a crash report uses: an exception is named where Linux names
/// the signal.
pub fn describe(exit: Exit) -> Ending {
    let code = exit.status as u32;
    match job_object::exception_name(code) {
        Some(name) => Ending { signal: Some(name), exit_code: None },
        None => Ending { signal: None, exit_code: Some(exit.status) },
    }
}
