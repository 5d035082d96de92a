//! In-process requests served on the calling Python thread (`napi_host::inprocess`): the thread
//! takes the host's JS lock and runs the request itself, running the Python calls the addon
//! makes meanwhile inline, on this same thread.
//!
//! The one rule about the GIL: never wait for the JS lock while holding it, since the lock's
//! holder may be waiting for a Python call. A function whose last call was quick (`Quick`,
//! D38) tries the lock with the GIL held and keeps it through the call, as CPython lets a
//! thread run its switch interval; anything else lets the GIL go first.

use napi_host::inprocess::{Direct, InProcess, Served};
use napi_host::Caller;
use pyo3::prelude::*;

use crate::exiting::{exiting_error, Late};
use crate::quick::Quick;

/// Serves `op` on this thread, writing what it answers to `out`. False: the host cannot take it
/// here (its calls stay on its thread, or it is gone); it is then sent to the host thread.
/// `gate`: the exit gate this call enters before anything that may let go of the GIL or run
/// Python code (`exiting::Late`); `caller` runs the Python calls the addon makes meanwhile.
pub fn serve(
    py: Python<'_>,
    shared: &InProcess,
    op: Direct<'_>,
    quick: Option<&Quick>,
    gate: &Late,
    caller: &(dyn Caller + Sync),
    out: &mut Served,
) -> PyResult<bool> {
    let start = crate::quick::ticks();
    let served = if quick.is_some_and(Quick::keeps_gil) || shared.held_here() {
        // Held here already (a Python call of an outer direct call): no wait, whatever the GIL.
        match shared.try_serve(op, caller, out) {
            Some(served) => served,
            None if shared.held_here() => false,
            None => {
                gate.enter();
                wait_and_serve(py, shared, op, caller, out)?
            }
        }
    } else {
        gate.enter();
        wait_and_serve(py, shared, op, caller, out)?
    };
    if let Some(q) = quick {
        q.record(crate::quick::ticks().wrapping_sub(start));
    }
    Ok(served)
}

/// `shared.serve` without the GIL: the addon may run long, and the JS lock's holder may need
/// the GIL before it lets go.
fn wait_and_serve(py: Python<'_>, shared: &InProcess, op: Direct<'_>, caller: &(dyn Caller + Sync), out: &mut Served) -> PyResult<bool> {
    crate::exiting::allow_threads_inside(py, || shared.serve(op, caller, out)).ok_or_else(exiting_error)
}
