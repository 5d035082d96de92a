"""js-native-api/test_string/test.js: creating and reading strings as Latin-1, UTF-8 and
UTF-16 (lengths, auto length, external strings, property keys, truncation into a too-small
buffer, oversized lengths)."""

from __future__ import annotations

import pytest

from napi_python import JSError

# The insufficient buffer test case allocates a buffer of size 4, including the terminator.
K_INSUFFICIENT_IDX = 3

ASCII_CASES = [
    "",
    "hello world",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "?!@#$%^&*()_+-=[]{}/.,<>'\"\\",
]

LATIN1_CASES = [
    {"str": "¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿", "utf8Length": 62, "utf8InsufficientIdx": 1},
    {
        "str": "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþ",
        "utf8Length": 126,
        "utf8InsufficientIdx": 1,
    },
]

UNICODE_CASES = [
    {"str": "\u2003\u2101\u2001\u0202\u2011", "utf8Length": 14, "utf8InsufficientIdx": 1},
]


def js_length(s: str) -> int:
    """String.prototype.length: UTF-16 code units."""
    return len(s.encode("utf-16-le")) // 2


def check_latin1(t, s):
    assert t.TestLatin1(s) == s
    assert t.TestLatin1AutoLength(s) == s
    assert t.TestLatin1External(s) == s
    assert t.TestLatin1ExternalAutoLength(s) == s
    assert t.TestPropertyKeyLatin1(s) == s
    assert t.TestPropertyKeyLatin1AutoLength(s) == s
    assert t.Latin1Length(s) == js_length(s)
    if s != "":
        assert t.TestLatin1Insufficient(s) == s[:K_INSUFFICIENT_IDX]


def check_unicode(t, s, utf8_length, utf8_insufficient_idx):
    assert t.TestUtf8(s) == s
    assert t.TestUtf16(s) == s
    assert t.TestUtf8AutoLength(s) == s
    assert t.TestUtf16AutoLength(s) == s
    assert t.TestUtf16External(s) == s
    assert t.TestUtf16ExternalAutoLength(s) == s
    assert t.TestPropertyKeyUtf8(s) == s
    assert t.TestPropertyKeyUtf8AutoLength(s) == s
    assert t.TestPropertyKeyUtf16(s) == s
    assert t.TestPropertyKeyUtf16AutoLength(s) == s
    assert t.Utf8Length(s) == utf8_length
    assert t.Utf16Length(s) == js_length(s)
    if s != "":
        assert t.TestUtf8Insufficient(s) == s[:utf8_insufficient_idx]
        assert t.TestUtf16Insufficient(s) == s[:K_INSUFFICIENT_IDX]


def test_ascii(node_addon):
    t = node_addon("js-native-api", "test_string")
    for s in ASCII_CASES:
        check_latin1(t, s)
    for s in ASCII_CASES:
        check_unicode(t, s, len(s), K_INSUFFICIENT_IDX)


def test_latin1(node_addon):
    t = node_addon("js-native-api", "test_string")
    for case in LATIN1_CASES:
        check_latin1(t, case["str"])
    for case in LATIN1_CASES:
        check_unicode(t, case["str"], case["utf8Length"], case["utf8InsufficientIdx"])


def test_unicode(node_addon):
    t = node_addon("js-native-api", "test_string")
    for case in UNICODE_CASES:
        check_unicode(t, case["str"], case["utf8Length"], case["utf8InsufficientIdx"])


def test_large_lengths_are_invalid(node_addon):
    t = node_addon("js-native-api", "test_string")
    for f in (t.TestLargeUtf8, t.TestLargeLatin1, t.TestLargeUtf16):
        with pytest.raises(JSError) as info:
            f()
        # /^Error: Invalid argument$/
        assert info.value.name == "Error"
        assert info.value.message == "Invalid argument"


def test_memory_corruption(node_addon):
    t = node_addon("js-native-api", "test_string")
    t.TestMemoryCorruption(" " * (64 * 1024))
