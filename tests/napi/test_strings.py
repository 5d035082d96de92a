"""Node-API chapter "strings": napi_create_string_{utf8,latin1,utf16} and
napi_get_value_string_{utf8,latin1,utf16} with Node's buffer-size rules (addon: addons/c/strings.c).

The addon fills each buffer with "X" before a get and reports the buffer back byte for byte
(plus two bytes past bufsize), so the tests see exactly what was written. bufsize -1 means
"pass buf = NULL". The full matrix is compared with what node answers for the same calls.
"""

from __future__ import annotations

import functools
import json

import pytest
from conftest import addon_path, node_eval

from napi_python import js

NAPI_OK = 0
NAPI_INVALID_ARG = 1
NAPI_STRING_EXPECTED = 3
UNTOUCHED = 12345  # the addon's initial *result: shows the call did not write it
SLACK = b"XX"

SAMPLES = ["hello", "héllo", "a😀b", "", "a\0b", "€uro", "é" * 200 + "x" * 100]
BUFSIZES = [-1, 0, 1, 2, 3, 4, 5, 6, 10, 300, 1000]


def get(addon, kind: str, value, bufsize: int):
    """(status, bytes the buffer holds after the call, *result)"""
    status, raw, result = getattr(addon, kind)(value, bufsize)
    if kind == "getUtf16":
        return status, raw, result
    return status, raw.encode("latin-1"), result


@functools.cache
def node_matrix() -> dict:
    script = f"""
    const a = require({json.dumps(addon_path("strings"))});
    const samples = {json.dumps(SAMPLES)};
    const out = {{}};
    for (const kind of ["getUtf8", "getLatin1", "getUtf16"])
      out[kind] = samples.map(s => {json.dumps(BUFSIZES)}.map(n => a[kind](s, n)));
    console.log(JSON.stringify(out));
    """
    return node_eval(script)


@pytest.mark.parametrize("kind", ["getUtf8", "getLatin1", "getUtf16"])
def test_get_value_string_matches_node_for_every_bufsize(load, kind):
    addon = load("strings")
    expected = node_matrix()[kind]
    for sample, row in zip(SAMPLES, expected, strict=False):
        for bufsize, node_answer in zip(BUFSIZES, row, strict=False):
            assert getattr(addon, kind)(sample, bufsize) == node_answer, (sample[:12], bufsize)


def test_null_buffer_returns_length_without_terminator(load):
    addon = load("strings")
    assert get(addon, "getUtf8", "héllo", -1) == (NAPI_OK, b"", 6)  # UTF-8 bytes
    assert get(addon, "getLatin1", "héllo", -1) == (NAPI_OK, b"", 5)  # characters
    assert get(addon, "getUtf16", "a😀b", -1) == (NAPI_OK, [], 4)  # UTF-16 code units
    assert get(addon, "getUtf8", "a😀b", -1) == (NAPI_OK, b"", 6)


@pytest.mark.parametrize("kind", ["getUtf8", "getLatin1"])
def test_bufsize_counts_the_terminator_and_nothing_is_written_past_it(load, kind):
    addon = load("strings")
    assert get(addon, kind, "hello", 6) == (NAPI_OK, b"hello\0" + SLACK, 5)
    assert get(addon, kind, "hello", 10) == (NAPI_OK, b"hello\0XXXX" + SLACK, 5)
    # truncation writes bufsize - 1 bytes and a NUL
    assert get(addon, kind, "hello", 5) == (NAPI_OK, b"hell\0" + SLACK, 4)
    assert get(addon, kind, "hello", 1) == (NAPI_OK, b"\0" + SLACK, 0)


def test_utf16_truncation_writes_bufsize_minus_one_units_and_a_nul(load):
    addon = load("strings")
    x = ord("X")
    assert get(addon, "getUtf16", "hello", 3) == (NAPI_OK, [104, 101, 0, x, x], 2)
    # a surrogate pair may be split in UTF-16 (recorded under node 20)
    assert get(addon, "getUtf16", "a😀b", 3) == (NAPI_OK, [97, 0xD83D, 0, x, x], 2)


@pytest.mark.parametrize("kind", ["getUtf8", "getLatin1", "getUtf16"])
def test_bufsize_zero_with_a_buffer_writes_nothing_and_reports_zero(load, kind):
    addon = load("strings")
    status, raw, result = get(addon, kind, "hello", 0)
    assert (status, result) == (NAPI_OK, 0)
    assert raw == (SLACK if kind != "getUtf16" else [ord("X"), ord("X")])


def test_utf8_truncation_never_splits_a_multibyte_character(load):
    addon = load("strings")
    # "é" is 2 bytes: 2 bytes of room after "h" would split it, so only "h" is written.
    assert get(addon, "getUtf8", "héllo", 3) == (NAPI_OK, b"h\0X" + SLACK, 1)
    assert get(addon, "getUtf8", "héllo", 4) == (NAPI_OK, "hé".encode() + b"\0" + SLACK, 3)
    # "😀" is 4 bytes: with room for 1..4 bytes after "a" only "a" is written.
    for bufsize in (3, 4, 5):
        status, raw, result = get(addon, "getUtf8", "a😀b", bufsize)
        assert (status, result) == (NAPI_OK, 1) and raw.startswith(b"a\0X"), bufsize
    assert get(addon, "getUtf8", "a😀b", 6) == (NAPI_OK, "a😀".encode() + b"\0" + SLACK, 5)


def test_strings_longer_than_255_bytes_read_back_whole_and_truncate_at_char_boundary(load):
    addon = load("strings")
    text = "é" * 200 + "x" * 100  # 500 UTF-8 bytes
    status, raw, result = get(addon, "getUtf8", text, 1000)
    assert (status, result) == (NAPI_OK, 500)
    assert raw[:501] == text.encode() + b"\0"
    # 299 bytes of room hold 149 "é" (298 bytes): the 150th is not split
    status, raw, result = get(addon, "getUtf8", text, 300)
    assert (status, result) == (NAPI_OK, 298)
    assert raw == ("é" * 149).encode() + b"\0X" + SLACK


def test_latin1_get_of_non_latin1_text_keeps_the_low_byte_of_each_code_unit(load):
    # Recorded under node 20: "😀" is U+D83D U+DE00 -> bytes 0x3D 0x00.
    addon = load("strings")
    assert get(addon, "getLatin1", "a😀b", 10) == (NAPI_OK, b"a=\0b\0XXXXX" + SLACK, 4)
    assert get(addon, "getLatin1", "€", -1) == (NAPI_OK, b"", 1)


def test_embedded_nul_survives_a_round_trip(load):
    addon = load("strings")
    assert get(addon, "getUtf8", "a\0b", 10)[2] == 3
    assert addon.createUtf8("a\0b", 3) == "a\0b"
    assert addon.createLatin1("a\0b", 3) == "a\0b"
    assert addon.createUtf16([0x41, 0, 0x42], 3) == "A\0B"


def test_auto_length_stops_at_the_first_nul(load):
    addon = load("strings")
    assert addon.createUtf8("a\0b", -1) == "a"
    assert addon.createLatin1("a\0b", -1) == "a"
    assert addon.createUtf16([0x41, 0, 0x42], -1) == "A"


def test_create_decodes_non_ascii_text(load):
    addon = load("strings")
    text = "héllo😀" + "ü" * 300
    assert addon.createUtf8(text.encode().decode("latin-1"), -1) == text
    assert addon.createLatin1("\xe9\xff", -1) == "éÿ"
    assert addon.createUtf16([0xD83D, 0xDE00, 0x41], -1) == "😀A"
    # explicit length counts bytes (UTF-8) / code units (UTF-16)
    assert addon.createUtf8("é".encode().decode("latin-1") + "abc", 3) == "éa"
    assert addon.createUtf16([0x41, 0x42, 0x43], 2) == "AB"
    assert addon.createUtf8("abc", 0) == ""


def test_invalid_utf8_becomes_replacement_characters(load):
    # Recorded under node 20: a lone 0xFF and a 4-byte sequence cut after 2 bytes each give
    # one U+FFFD.
    addon = load("strings")
    assert addon.createUtf8("\xff", -1) == "\ufffd"
    assert addon.createUtf8("😀".encode().decode("latin-1"), 2) == "\ufffd"


def test_bad_create_arguments_return_invalid_arg(load):
    # [utf8 NULL/AUTO_LENGTH, latin1 NULL/AUTO, utf16 NULL/AUTO, utf8 NULL/length 0,
    #  utf8 length INT_MAX+1, utf8 NULL result] -- recorded under node 20
    addon = load("strings")
    assert addon.statusesOfBadCreate() == [1, 1, 1, 0, 1, 1]
    assert addon.emptyFromNull() == ""


@pytest.mark.parametrize("kind", ["getUtf8", "getLatin1", "getUtf16"])
def test_get_value_string_of_a_non_string_returns_string_expected_and_writes_nothing(load, kind):
    addon = load("strings")
    for value in [5, None, js.null, True, {}, js.symbol(addon, "s")]:
        status, raw, result = get(addon, kind, value, 10)
        assert status == NAPI_STRING_EXPECTED, repr(value)
        assert result == UNTOUCHED
        assert raw == (b"X" * 12 if kind != "getUtf16" else [ord("X")] * 12)
