"""napi-rs's chrono dates (addons/rust/src/dates.rs) round-trip as under node: napi-rs converts a
JS Date by calling `Date.prototype.toISOString` on it."""

from __future__ import annotations

import datetime
import json

import pytest
from conftest import addon_path, node_eval

UTC = datetime.UTC
MILLIS = [0, 1, 1700000000123, -1, -30610224000000, 951782400000, 253402300799999]


@pytest.fixture
def rust(load):
    return load("rust_addon")


def test_dates_cross_into_chrono_and_back_as_under_node(rust):
    expected = node_eval(
        f"const a = require({json.dumps(addon_path('rust_addon'))});"
        f"console.log(JSON.stringify({json.dumps(MILLIS)}.map((t) => {{"
        " const d = new Date(t); return [a.dateToRfc3339(d), a.dateRoundTrip(d).getTime(), a.naiveRoundTrip(d).getTime()]; })));"
    )
    got = []
    for t in MILLIS:
        d = datetime.datetime(1970, 1, 1, tzinfo=UTC) + datetime.timedelta(milliseconds=t)
        back = rust.dateRoundTrip(d)
        naive = rust.naiveRoundTrip(d)
        to_ms = lambda x: round((x - datetime.datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1000)  # noqa: E731
        got.append([rust.dateToRfc3339(d), to_ms(back), to_ms(naive)])
    assert got == expected
