"""JS Dates and Python datetimes cross both ways although `import napi_python` leaves `datetime`
out: a Date from JS imports it, and a datetime made after the package was imported still
crosses as a Date (none can exist before its module is imported, which is all the package
checks until then). Each case in a fresh interpreter, where nothing imported `datetime` yet."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import IN_PROCESS, ROOT, addon_path

# Prints whether `datetime` was imported before the first date, then what each case gave.
FIRST_DATE_FROM_JS = """
import sys, napi_python
addon = napi_python.load_addon({path!r}, isolated={isolated})
before = "datetime" in sys.modules
d = addon.run("new Date(1549183351123)")
print(before, type(d).__module__, type(d).__name__, d.isoformat())
"""

FIRST_DATE_FROM_PYTHON = """
import sys, napi_python
addon = napi_python.load_addon({path!r}, isolated={isolated})
before = "datetime" in sys.modules
import datetime
d = datetime.datetime(2019, 2, 3, 8, 42, 31, 123000, tzinfo=datetime.UTC)
print(before, addon.dateToRfc3339(d), addon.dateRoundTrip(d) == d)
"""


def run_fresh(code: str, addon: str) -> list[str]:
    source = code.format(path=addon_path(addon), isolated=not IN_PROCESS)
    done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_date_from_js_arrives_as_a_utc_datetime_importing_datetime_then():
    assert run_fresh(FIRST_DATE_FROM_JS, "run_script") == [
        "False",
        "datetime",
        "datetime",
        "2019-02-03T08:42:31.123000+00:00",
    ]


def test_a_datetime_made_after_the_import_crosses_as_a_date():
    """napi-rs's chrono conversion takes only a JS Date (`napi_is_date`), so a datetime that
    crossed as anything else would be refused."""
    before, rfc3339, same = run_fresh(FIRST_DATE_FROM_PYTHON, "rust_addon")
    assert (before, same) == ("False", "True")
    assert rfc3339 == "2019-02-03T08:42:31.123Z"


@pytest.mark.parametrize("kind", ["date", "datetime_subclass"])
def test_a_date_sent_again_in_one_interpreter_crosses_the_same(load, kind):
    """Once `datetime` is looked up, later dates (and subclasses of datetime) take the cached class."""
    import datetime

    cls = datetime.datetime if kind == "date" else type("Stamp", (datetime.datetime,), {})
    rust = load("rust_addon")
    d = cls(1999, 12, 31, 23, 59, 59, 999000, tzinfo=datetime.UTC)
    assert rust.dateToRfc3339(d) == "1999-12-31T23:59:59.999Z"
