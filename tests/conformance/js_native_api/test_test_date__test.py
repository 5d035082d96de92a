"""js-native-api/test_date/test.js (`new Date(ms)` is a UTC datetime)"""

from datetime import UTC, datetime, timedelta

from napi_python import js


def _date(ms):
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def test_date(node_addon):
    test_date = node_addon("js-native-api", "test_date")
    date_type_test_date = test_date.createDate(1549183351)
    assert test_date.isDate(date_type_test_date) is True

    assert test_date.isDate(_date(1549183351)) is True

    assert test_date.isDate(2.4) is False
    assert test_date.isDate("not a date") is False
    assert test_date.isDate(js.undefined) is False
    assert test_date.isDate(js.null) is False
    assert test_date.isDate({}) is False

    assert test_date.getDateValue(_date(1549183351)) == 1549183351
