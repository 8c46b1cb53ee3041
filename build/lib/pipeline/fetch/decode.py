"""Incremental Content-Encoding decoding with a bounded output per step.

httpx's own decoders call ``decompressobj().decompress(data)`` without
``max_length``: one network read of a gzip bomb decoded to 67 MB
(RELIABILITY.md S3). Here every step yields at most ``STEP`` bytes, so the
caller can stop at its size cap having held no more than one step per layer
(brotli may overshoot a step by one buffer block: at most ``2 * STEP``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Protocol

import brotli

from pipeline.errors import FetchError

STEP = 64 * 1024


class Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def finish(self) -> Iterator[bytes]: ...


def _decode_error(message: str) -> FetchError:
    return FetchError("decode", f"fetch: {message}; the body was discarded")


class ZlibDecoder:
    """gzip (multi-member), zlib-wrapped deflate, or raw deflate as a fallback."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._wbits = 16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS
        self._obj = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                yield from self._drain(data)
            except zlib.error as exc:
                if self._gzip or self._started:
                    raise _decode_error(f"corrupt {self._name} stream ({exc})") from exc
                # Many servers send raw deflate for "deflate": retry once without the header.
                self._wbits = -zlib.MAX_WBITS
                self._obj = zlib.decompressobj(self._wbits)
                self._started = True
                continue
            data = self._next_member()

    def _drain(self, data: bytes) -> Iterator[bytes]:
        out = self._obj.decompress(data, STEP)
        self._started = True
        while out:
            yield out
            out = self._obj.decompress(self._obj.unconsumed_tail, STEP)

    def _next_member(self) -> bytes:
        rest = self._obj.unused_data if self._obj.eof else b""
        if rest and self._gzip and rest.strip(b"\0"):
            self._obj = zlib.decompressobj(self._wbits)
            return rest
        return b""

    def finish(self) -> Iterator[bytes]:
        if not self._obj.eof and self._started:
            raise _decode_error(f"truncated {self._name} stream")
        return iter(())

    @property
    def _name(self) -> str:
        return "gzip" if self._gzip else "deflate"


class BrotliDecoder:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            out = self._obj.process(data, output_buffer_limit=STEP)
            while out:  # more output may be pending even when more input is accepted
                yield out
                out = self._obj.process(b"", output_buffer_limit=STEP)
        except brotli.error as exc:
            raise _decode_error(f"corrupt brotli stream ({exc})") from exc

    def finish(self) -> Iterator[bytes]:
        if not self._obj.is_finished():
            raise _decode_error("truncated brotli stream")
        return iter(())


def _make(name: str) -> Decoder:
    if name in ("gzip", "x-gzip"):
        return ZlibDecoder(gzip=True)
    if name == "deflate":
        return ZlibDecoder(gzip=False)
    if name == "br":
        return BrotliDecoder()
    raise _decode_error(f"unsupported Content-Encoding {name[:40]!r}")


def decoders_for(content_encoding: str | None) -> list[Decoder]:
    """Decoders in the order to apply them (the header lists encodings in the
    order they were applied, so decoding runs in reverse)."""
    names = [n.strip().lower() for n in (content_encoding or "").split(",")]
    names = [n for n in names if n and n != "identity"]
    return [_make(n) for n in reversed(names)]


def decode_stream(raw: Iterable[bytes], content_encoding: str | None) -> Iterator[bytes]:
    """Decoded chunks of at most ``STEP`` bytes (or raw chunks when identity)."""
    stream: Iterator[bytes] = iter(raw)
    for decoder in decoders_for(content_encoding):
        stream = _layer(stream, decoder)
    return stream


def _layer(chunks: Iterator[bytes], decoder: Decoder) -> Iterator[bytes]:
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.finish()
