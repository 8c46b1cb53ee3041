"""Decompression bombs and broken encodings (RELIABILITY A5-A7).

The bombs are 1 GiB of zeros (about 1 MiB of gzip on the wire), built once per
session; the cap in these tests is 256 KiB of decoded bytes.
"""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib

import brotli
import pytest

from pipeline.errors import FetchError
from pipeline.fetch import HttpClient
from pipeline.fetch.decode import STEP, decode_stream
from tests.fixtures.badhost import FEED, BadHost, bomb

CAP = 256 * 1024
BOMBS = [("gzip", 1), ("deflate", 1), ("rawdeflate", 1), ("br", 1), ("gzip", 2)]


@pytest.fixture(scope="module", autouse=True)
def _built_bombs() -> None:
    for enc, layers in BOMBS:
        bomb(enc, layers)  # build before any memory is measured


@pytest.mark.parametrize(("enc", "layers"), BOMBS)
def test_a5_a6_bombs_stop_at_the_decoded_cap_in_bounded_memory_and_time(
    badhost: BadHost, client: HttpClient, enc: str, layers: int
) -> None:
    tracemalloc.start()
    try:
        start = time.monotonic()
        result = client.fetch(badhost.url(f"/gzbomb?enc={enc}&layers={layers}"))
        elapsed = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.error_code == "too_large"
    assert result.body is None
    assert peak < CAP + 8 * 2**20  # the budget is cap + 64 MiB; a 1 GiB decode would blow it
    assert elapsed < 2.0


def test_a5_the_gzip_bomb_is_what_it_claims(_built_bombs: None) -> None:
    body = bomb("gzip")
    assert len(body) < 1_200_000
    head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body[:16384], 10 * 2**20)
    assert len(head) == 10 * 2**20 and not head.strip(b"\0")


@pytest.mark.parametrize(
    ("path", "what"),
    [("/badgzip?mode=crc", "corrupt"), ("/badgzip?mode=truncated", "truncated"),
     ("/unknown-encoding", "x-foo")],
)  # fmt: skip
def test_a7_corrupt_truncated_and_unknown_encodings_are_decode_errors(
    badhost: BadHost, client: HttpClient, path: str, what: str
) -> None:
    result = client.fetch(badhost.url(path))
    assert result.error_code == "decode"
    assert what in (result.error_message or "")
    assert result.body is None


@pytest.mark.parametrize("enc", ["gzip", "deflate", "rawdeflate", "br", "gzip,br", "deflate,gzip"])
def test_well_formed_encodings_decode_to_the_document(
    badhost: BadHost, client: HttpClient, enc: str
) -> None:
    path = badhost.add("encoded", FEED * 200)
    result = client.fetch(badhost.url(f"{path}?enc={enc}"))
    assert result.ok, result.error_message
    assert result.body == FEED * 200


def _chunks(data: bytes, size: int = 4096) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize(
    ("encoding", "packed"),
    [
        ("gzip", gzip.compress(bytes(5 * 2**20))),
        ("deflate", zlib.compress(bytes(5 * 2**20))),
        ("br", brotli.compress(bytes(5 * 2**20))),
    ],
)
def test_every_decoded_step_is_bounded(encoding: str, packed: bytes) -> None:
    pieces = list(decode_stream(_chunks(packed), encoding))
    assert max(len(p) for p in pieces) <= 2 * STEP
    assert sum(len(p) for p in pieces) == 5 * 2**20


def test_multi_member_gzip_is_decoded_whole() -> None:
    packed = gzip.compress(b"uno ") + gzip.compress(b"dos")
    assert b"".join(decode_stream([packed], "gzip")) == b"uno dos"


def test_identity_and_absent_encodings_pass_bytes_through() -> None:
    assert b"".join(decode_stream([b"ab", b"c"], "identity")) == b"abc"
    assert b"".join(decode_stream([b"ab", b"c"], None)) == b"abc"


def test_corrupt_brotli_is_a_decode_error() -> None:
    with pytest.raises(FetchError) as info:
        b"".join(decode_stream([b"\xff" * 64], "br"))
    assert info.value.code == "decode"
