//! JS Dates as `datetime.datetime`, with `datetime` imported at the first date either way: the
//! package's import does not pay for it (about 7 million instructions of `python -c "import
//! napi_python"`'s 158 million), as most programs never send or receive a date.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

/// What converting a date needs of `datetime`.
struct Dates {
    datetime_cls: Py<PyType>,
    timedelta_cls: Py<PyType>,
    /// 1970-01-01 in UTC: a JS Date arrives as the epoch plus its milliseconds, which works for
    /// every date Python holds (Windows' `fromtimestamp` refuses those before 1970).
    epoch: Py<PyAny>,
}

static DATES: PyOnceLock<Dates> = PyOnceLock::new();

fn dates(py: Python<'_>) -> PyResult<&'static Dates> {
    DATES.get_or_try_init(py, || {
        let datetime = py.import("datetime")?;
        let datetime_cls = datetime.getattr("datetime")?.cast_into::<PyType>()?;
        let utc = datetime.getattr("timezone")?.getattr("utc")?;
        let epoch = datetime_cls.call1((1970, 1, 1, 0, 0, 0, 0, utc))?.unbind();
        let timedelta_cls = datetime.getattr("timedelta")?.cast_into::<PyType>()?.unbind();
        Ok(Dates { datetime_cls: datetime_cls.unbind(), timedelta_cls, epoch })
    })
}

/// The `datetime` of a JS Date `ms` milliseconds after the epoch (not NaN).
pub(super) fn date_to_py(py: Python<'_>, ms: f64) -> PyResult<Py<PyAny>> {
    let d = dates(py)?;
    // timedelta(days, seconds, microseconds, milliseconds)
    let since_epoch = d.timedelta_cls.bind(py).call1((0, 0, 0, ms))?;
    Ok(d.epoch.bind(py).add(since_epoch)?.unbind())
}

/// The milliseconds since the epoch of `obj` if it is a `datetime.datetime`. None can exist
/// before a module that makes them is imported, so until then a look at `sys.modules` answers.
pub(super) fn py_to_date(obj: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
    let py = obj.py();
    let d = match DATES.get(py) {
        Some(d) => d,
        None if datetime_imported(py)? => dates(py)?,
        None => return Ok(None),
    };
    if !obj.is_instance(d.datetime_cls.bind(py))? {
        return Ok(None);
    }
    let seconds: f64 = obj.call_method0(intern!(py, "timestamp"))?.extract()?;
    Ok(Some((seconds * 1000.0).round()))
}

/// Whether a module that makes `datetime` objects was imported: `datetime`, or the C or the
/// pure-Python implementation it takes them from.
fn datetime_imported(py: Python<'_>) -> PyResult<bool> {
    // SAFETY: the interpreter's `sys.modules`, a borrowed reference to a live dict (the GIL is
    // held); no import machinery runs.
    let modules = unsafe { Bound::from_borrowed_ptr(py, pyo3::ffi::PyImport_GetModuleDict()) };
    let modules = modules.cast::<PyDict>()?;
    for name in [intern!(py, "datetime"), intern!(py, "_datetime"), intern!(py, "_pydatetime")] {
        if modules.contains(name)? {
            return Ok(true);
        }
    }
    Ok(false)
}
