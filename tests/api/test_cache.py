"""The route estimate cache: JSON bytes, bounded in entries and in bytes (issue 12, soak RSS)."""

from __future__ import annotations

import json

from api.service import LruCache, json_bytes


def test_cache_evicts_the_least_recently_used_beyond_its_bytes() -> None:
    cache = LruCache(size=100, max_bytes=100)
    for key in "abc":
        cache.put(key, key.encode() * 40)  # 40 bytes each: the third exceeds 100 bytes
    assert cache.get("a") is None
    assert cache.get("b") == b"b" * 40
    assert cache.nbytes == 80
    cache.put("d", b"d" * 40)  # "c" is now the least recently used
    assert cache.get("c") is None
    assert cache.get("b") is not None
    assert cache.nbytes == 80
    assert len(cache) == 2


def test_cache_evicts_beyond_its_entries_and_counts_a_replaced_value_once() -> None:
    cache = LruCache(size=2, max_bytes=1_000)
    cache.put("a", b"1234")
    cache.put("a", b"12")
    assert cache.nbytes == 2
    cache.put("b", b"x")
    cache.put("c", b"y")
    assert len(cache) == 2
    assert cache.get("a") is None
    assert cache.nbytes == 2
    assert (cache.hits, cache.misses) == (0, 1)


def test_cache_skips_a_value_larger_than_the_bound_and_a_disabled_cache_keeps_nothing() -> None:
    cache = LruCache(size=10, max_bytes=10)
    cache.put("big", b"x" * 11)
    assert cache.get("big") is None
    assert cache.nbytes == 0
    off = LruCache(size=0)
    off.put("a", b"1")
    assert off.get("a") is None


def test_json_bytes_is_compact_utf8_json() -> None:
    body = json_bytes({"name_zh": "成都", "km": 1.5, "legs": [1, 2]})
    assert body == '{"name_zh":"成都","km":1.5,"legs":[1,2]}'.encode()
    assert json.loads(body) == {"name_zh": "成都", "km": 1.5, "legs": [1, 2]}
