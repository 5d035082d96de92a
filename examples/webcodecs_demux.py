"""Demuxing an MP4 with @napi-rs/webcodecs and decoding its video frames, from Python.

    .venv/bin/python examples/webcodecs_demux.py VIDEO.mp4

`require` finds the package in tests/npm/node_modules (scripts/setup installs it there). Its
index.js only re-exports the native binding, so there is no JavaScript glue to redo.

The demuxer and the decoder deliver their output through threadsafe functions, from their own
threads: napi_python runs those callbacks on the addon's event dispatcher thread, in the order
the addon made them, while this thread awaits the promises (`demuxAsync`, `flush`, `copyTo`).
Decoded frames are copied into shared memory made with `js.alloc`, which the decoder's worker
fills in place after `copyTo` has returned its promise. examples/node/webcodecs_demux.js makes
the same calls under node; tests/packages/test_examples.py checks that both print the same lines.

The exports are typed by examples/typings/napi_rs_webcodecs.pyi, which `python -m napi_python
stubs @napi-rs/webcodecs` wrote from the package's index.d.ts.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, cast

from napi_python import close, js, require

if TYPE_CHECKING:
    from napi_rs_webcodecs import EncodedAudioChunk, EncodedVideoChunk, VideoFrame
    from napi_rs_webcodecs import Exports as WebCodecs

    from napi_python import JSBuffer, JSObject

NPM = Path(__file__).resolve().parent.parent / "tests" / "npm"


def digest(data: bytes | bytearray | JSBuffer) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def hex_description(config: Mapping[str, object] | None) -> dict[str, object]:
    # `description` arrives as a JSBuffer (a Uint8Array).
    return {k: (bytes(cast("JSBuffer", v)).hex() if k == "description" else v) for k, v in (config or {}).items()}


async def main(path: str) -> None:
    codecs = cast("WebCodecs", require("@napi-rs/webcodecs", paths=[NPM]))
    chunks: list[str] = []
    frames: list[VideoFrame] = []
    errors: list[str] = []

    def on_error(e: JSObject) -> None:
        errors.append(str(e))

    def on_chunk(track: str) -> Callable[[EncodedVideoChunk | EncodedAudioChunk], None]:
        def output(chunk: EncodedVideoChunk | EncodedAudioChunk) -> None:
            data = bytearray(int(chunk.byteLength))
            chunk.copyTo(data)
            chunks.append(
                f"{track} {chunk.type} t={chunk.timestamp} d={chunk.duration} {chunk.byteLength}B {digest(data)}"
            )
            if track == "video":
                decoder.decode(cast("EncodedVideoChunk", chunk))

        return output

    decoder = codecs.VideoDecoder({"output": frames.append, "error": on_error})
    demuxer = codecs.Mp4Demuxer(
        {
            "videoOutput": on_chunk("video"),
            "audioOutput": on_chunk("audio"),
            "error": on_error,
        }
    )
    await demuxer.load(str(path))
    for track in demuxer.tracks:
        print("track", " ".join(f"{k}={v}" for k, v in track.items()))
    print("duration", demuxer.duration)
    print("video config", hex_description(demuxer.videoDecoderConfig))
    print("audio config", hex_description(demuxer.audioDecoderConfig))
    decoder.configure(demuxer.videoDecoderConfig)
    await demuxer.demuxAsync()
    await decoder.flush()
    print(f"{len(chunks)} chunks, state {demuxer.state}")
    for line in chunks:
        print(" ", line)
    print(f"{len(frames)} frames")
    for frame in frames:
        rgba = js.alloc(codecs, int(frame.allocationSize({"format": "RGBA"})), "Uint8Array")
        await frame.copyTo(rgba, {"format": "RGBA"})
        print(f"  frame t={frame.timestamp} {frame.codedWidth}x{frame.codedHeight} {frame.format} rgba {digest(rgba)}")
        frame.close()
    print("errors", errors)
    demuxer.close()
    decoder.close()
    close(codecs)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
