"""Types of the exports of @napi-rs/webcodecs@1.3.1, from its index.d.ts.

Written by `python -m napi_python stubs @napi-rs/webcodecs`. Use:

    if TYPE_CHECKING:
        from napi_rs_webcodecs import Exports
    addon = cast("Exports", require("@napi-rs/webcodecs"))

Not declared in the file, so typed Any: AllowSharedBufferSource, AudioDataInit, AudioDecoderConfig, AudioEncoderConfig, BufferSource, EncodedAudioChunkInit, EncodedVideoChunkInit, ImageDecoderInit, VideoColorSpaceInit, VideoDecoderConfig, VideoEncoderConfig, VideoFrameBufferInit.
"""

from collections.abc import Callable
from typing import Any, Literal, NotRequired, Protocol, TypeAlias, TypedDict

from typing_extensions import Buffer

from napi_python import JSBuffer, JSObject, JSPromise, TypedAddon

class CanvasLike(Protocol):
    """Interface for Canvas-like objects compatible with VideoFrame constructor.
    Compatible with @napi-rs/canvas Canvas class.

    @napi-rs/canvas is an optional peer dependency. If installed, Canvas objects
    can be used as VideoFrame sources. The Canvas pixel data is copied (RGBA format).
    """
    @property
    def width(self) -> int | float: ...
    @property
    def height(self) -> int | float: ...
    def data(self) -> JSBuffer:
        """Returns raw RGBA pixel data as a Buffer"""

class _CanvasLikeDict(TypedDict):
    """Interface for Canvas-like objects compatible with VideoFrame constructor.
    Compatible with @napi-rs/canvas Canvas class.

    @napi-rs/canvas is an optional peer dependency. If installed, Canvas objects
    can be used as VideoFrame sources. The Canvas pixel data is copied (RGBA format).
    """
    width: float
    height: float
    data: Callable[[], Buffer]

DemuxerState: TypeAlias = Literal['unloaded', 'ready', 'demuxing', 'ended', 'closed']

MuxerState: TypeAlias = Literal['configuring', 'muxing', 'finalized', 'closed']

class Mp4DemuxerInit(TypedDict):
    """Init options for Mp4Demuxer"""
    videoOutput: NotRequired[Callable[[EncodedVideoChunk], object]]
    audioOutput: NotRequired[Callable[[EncodedAudioChunk], object]]
    error: Callable[[JSObject], object]

class WebMDemuxerInit(TypedDict):
    """Init options for WebMDemuxer"""
    videoOutput: NotRequired[Callable[[EncodedVideoChunk], object]]
    audioOutput: NotRequired[Callable[[EncodedAudioChunk], object]]
    error: Callable[[JSObject], object]

class MkvDemuxerInit(TypedDict):
    """Init options for MkvDemuxer"""
    videoOutput: NotRequired[Callable[[EncodedVideoChunk], object]]
    audioOutput: NotRequired[Callable[[EncodedAudioChunk], object]]
    error: Callable[[JSObject], object]

class MuxerVideoTrackConfig(TypedDict):
    """Video track config for muxer"""
    codec: str
    width: float
    height: float
    description: NotRequired[Buffer]

class MuxerAudioTrackConfig(TypedDict):
    """Audio track config for muxer"""
    codec: str
    sampleRate: float
    numberOfChannels: float
    description: NotRequired[Buffer]

class _Mp4MuxerInitStreaming(TypedDict):
    bufferCapacity: NotRequired[float]

class Mp4MuxerInit(TypedDict):
    """Init options for Mp4Muxer"""
    fastStart: NotRequired[bool]
    fragmented: NotRequired[bool]
    streaming: NotRequired[_Mp4MuxerInitStreaming]

class _WebMMuxerInitStreaming(TypedDict):
    bufferCapacity: NotRequired[float]

class WebMMuxerInit(TypedDict):
    """Init options for WebMMuxer"""
    live: NotRequired[bool]
    streaming: NotRequired[_WebMMuxerInitStreaming]

class _MkvMuxerInitStreaming(TypedDict):
    bufferCapacity: NotRequired[float]

class MkvMuxerInit(TypedDict):
    """Init options for MkvMuxer"""
    live: NotRequired[bool]
    streaming: NotRequired[_MkvMuxerInitStreaming]

class DemuxerChunk(TypedDict):
    """Chunk yielded by demuxer async iterator.

    Contains either a video or audio chunk. Use the `chunkType` property
    to determine which type of chunk is present.

    @example
    ```typescript
    for await (const chunk of demuxer) {
      if (chunk.chunkType === 'video') {
        videoDecoder.decode(chunk.videoChunk!)
      } else {
        audioDecoder.decode(chunk.audioChunk!)
      }
    }
    ```
    """
    chunkType: Literal['video', 'audio']
    videoChunk: NotRequired[EncodedVideoChunk]
    audioChunk: NotRequired[EncodedAudioChunk]

class Mp4Demuxer:
    """MP4 Demuxer for reading encoded video and audio from MP4 container

    Usage:
    ```javascript
    const demuxer = new Mp4Demuxer({
      videoOutput: (chunk) => videoDecoder.decode(chunk),
      audioOutput: (chunk) => audioDecoder.decode(chunk),
      error: (err) => console.error(err)
    });

    await demuxer.load('./video.mp4');

    // Get decoder configs
    const videoConfig = demuxer.videoDecoderConfig;
    const audioConfig = demuxer.audioDecoderConfig;

    // Configure decoders
    videoDecoder.configure(videoConfig);
    audioDecoder.configure(audioConfig);

    // Start demuxing
    demuxer.demux();

    // Seek to 5 seconds
    demuxer.seek(5_000_000);

    demuxer.close();
    ```

    This type implements JavaScript's async iterable protocol.
    It can be used with `for await...of` loops.

    @see https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Iteration_protocols#the_async_iterator_and_async_iterable_protocols
    """
    def __init__(self, init: Mp4DemuxerInit, /) -> None:
        """Create a new MP4 demuxer"""
    def load(self, path: str, /) -> JSPromise[None]:
        """Load an MP4 file from a path"""
    def loadBuffer(self, data: Buffer, /) -> JSPromise[None]:
        """Load an MP4 from a buffer

        This method uses zero-copy buffer loading - the Uint8Array data is passed
        directly to the demuxer without an intermediate copy.
        """
    @property
    def tracks(self) -> list[DemuxerTrackInfo]:
        """Get all tracks"""
    @property
    def duration(self) -> int | float | None:
        """Get container duration in microseconds"""
    @property
    def videoDecoderConfig(self) -> DemuxerVideoDecoderConfig | None:
        """Get video decoder configuration for the selected video track"""
    @property
    def audioDecoderConfig(self) -> DemuxerAudioDecoderConfig | None:
        """Get audio decoder configuration for the selected audio track"""
    def selectVideoTrack(self, trackIndex: float, /) -> None:
        """Select a video track by index"""
    def selectAudioTrack(self, trackIndex: float, /) -> None:
        """Select an audio track by index"""
    def demux(self, count: float | None = ..., /) -> None:
        """Start demuxing packets

        If count is specified, reads up to that many packets.
        Otherwise, reads all packets until end of stream.
        """
    def demuxAsync(self, count: float | None = ..., /) -> JSPromise[None]:
        """Demux packets asynchronously (awaitable version of demux)

        If count is specified, reads up to that many packets.
        Otherwise, reads all packets until end of stream.
        Returns a Promise that resolves when demuxing is complete.

        This method is useful when you want to wait for demuxing to finish
        before proceeding with other operations.

        Note: For streaming use cases, prefer the async iterator pattern:
        `for await (const chunk of demuxer) { ... }`
        """
    def seek(self, timestampUs: float, /) -> None:
        """Seek to a timestamp in microseconds"""
    def close(self) -> None:
        """Close the demuxer and release resources"""
    @property
    def state(self) -> str:
        """Get the current state of the demuxer"""

class WebMDemuxer:
    """WebM Demuxer for reading encoded video and audio from WebM container

    WebM typically contains VP8, VP9, or AV1 video with Opus or Vorbis audio.

    This type implements JavaScript's async iterable protocol.
    It can be used with `for await...of` loops.

    @see https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Iteration_protocols#the_async_iterator_and_async_iterable_protocols
    """
    def __init__(self, init: WebMDemuxerInit, /) -> None: ...
    def load(self, path: str, /) -> JSPromise[None]: ...
    def loadBuffer(self, data: Buffer, /) -> JSPromise[None]:
        """Load a WebM from a buffer

        This method uses zero-copy buffer loading - the Uint8Array data is passed
        directly to the demuxer without an intermediate copy.
        """
    @property
    def tracks(self) -> list[DemuxerTrackInfo]: ...
    @property
    def duration(self) -> int | float | None: ...
    @property
    def videoDecoderConfig(self) -> DemuxerVideoDecoderConfig | None: ...
    @property
    def audioDecoderConfig(self) -> DemuxerAudioDecoderConfig | None: ...
    def selectVideoTrack(self, trackIndex: float, /) -> None: ...
    def selectAudioTrack(self, trackIndex: float, /) -> None: ...
    def demux(self, count: float | None = ..., /) -> None: ...
    def demuxAsync(self, count: float | None = ..., /) -> JSPromise[None]:
        """Demux packets asynchronously (awaitable version of demux)"""
    def seek(self, timestampUs: float, /) -> None: ...
    def close(self) -> None: ...
    @property
    def state(self) -> str: ...

class MkvDemuxer:
    """MKV Demuxer for reading encoded video and audio from Matroska container

    MKV supports almost any video and audio codec.

    This type implements JavaScript's async iterable protocol.
    It can be used with `for await...of` loops.

    @see https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Iteration_protocols#the_async_iterator_and_async_iterable_protocols
    """
    def __init__(self, init: MkvDemuxerInit, /) -> None: ...
    def load(self, path: str, /) -> JSPromise[None]: ...
    def loadBuffer(self, data: Buffer, /) -> JSPromise[None]:
        """Load an MKV from a buffer

        This method uses zero-copy buffer loading - the Uint8Array data is passed
        directly to the demuxer without an intermediate copy.
        """
    @property
    def tracks(self) -> list[DemuxerTrackInfo]: ...
    @property
    def duration(self) -> int | float | None: ...
    @property
    def videoDecoderConfig(self) -> DemuxerVideoDecoderConfig | None: ...
    @property
    def audioDecoderConfig(self) -> DemuxerAudioDecoderConfig | None: ...
    def selectVideoTrack(self, trackIndex: float, /) -> None: ...
    def selectAudioTrack(self, trackIndex: float, /) -> None: ...
    def demux(self, count: float | None = ..., /) -> None: ...
    def demuxAsync(self, count: float | None = ..., /) -> JSPromise[None]:
        """Demux packets asynchronously (awaitable version of demux)"""
    def seek(self, timestampUs: float, /) -> None: ...
    def close(self) -> None: ...
    @property
    def state(self) -> str: ...

TypedArray: TypeAlias = JSBuffer | Buffer

class AudioData:
    """AudioData - represents uncompressed audio data

    This is a WebCodecs-compliant AudioData implementation backed by FFmpeg.
    """
    def __init__(self, init: Any, /) -> None:
        """Create a new AudioData (W3C WebCodecs spec)
        Per spec, the constructor takes a single init object containing all parameters including data
        """
    @property
    def format(self) -> AudioSampleFormat | None:
        """Get sample format"""
    @property
    def sampleRate(self) -> int | float:
        """Get sample rate in Hz (W3C spec uses float)
        Returns 0 after close per W3C spec
        """
    @property
    def numberOfFrames(self) -> int | float:
        """Get number of frames (samples per channel)
        Returns 0 after close per W3C spec
        """
    @property
    def numberOfChannels(self) -> int | float:
        """Get number of channels
        Returns 0 after close per W3C spec
        """
    @property
    def duration(self) -> int | float:
        """Get duration in microseconds
        Returns 0 after close per W3C spec
        """
    @property
    def timestamp(self) -> int | float:
        """Get timestamp in microseconds
        Timestamp is preserved after close per W3C spec
        """
    @property
    def closed(self) -> bool:
        """Get whether this AudioData has been closed (W3C WebCodecs spec)"""
    @property
    def numberOfPlanes(self) -> int | float:
        """Get the number of planes in this AudioData (W3C WebCodecs spec)
        For interleaved formats: 1
        For planar formats: numberOfChannels
        """
    def allocationSize(self, options: AudioDataCopyToOptions, /) -> int | float:
        """Get the buffer size required for copyTo (W3C WebCodecs spec)
        Note: options is REQUIRED per spec
        """
    def copyTo(self, destination: Any, options: AudioDataCopyToOptions, /) -> None:
        """Copy audio data to a buffer (W3C WebCodecs spec)
        Note: Per spec, this is SYNCHRONOUS and returns undefined
        Accepts AllowSharedBufferSource (any TypedArray, DataView, or ArrayBuffer)
        """
    def clone(self) -> AudioData:
        """Create a copy of this AudioData"""
    def close(self) -> None:
        """Close and release resources"""

class _AudioDecoderNewInit(TypedDict):
    output: Callable[[AudioData], object]
    error: Callable[[JSObject], object]

class AudioDecoder:
    """AudioDecoder - WebCodecs-compliant audio decoder

    Decodes EncodedAudioChunk objects into AudioData objects using FFmpeg.

    Per the WebCodecs spec, the constructor takes an init dictionary with callbacks.

    Example:
    ```javascript
    const decoder = new AudioDecoder({
      output: (data) => { console.log('decoded audio', data); },
      error: (e) => { console.error('error', e); }
    });

    decoder.configure({
      codec: 'opus',
      sampleRate: 48000,
      numberOfChannels: 2
    });

    decoder.decode(chunk);
    await decoder.flush();
    ```
    """
    def __init__(self, init: _AudioDecoderNewInit, /) -> None:
        """Create a new AudioDecoder with init dictionary (per WebCodecs spec)

        @param init - Init dictionary containing output and error callbacks
        """
    @property
    def state(self) -> CodecState:
        """Get decoder state"""
    @property
    def decodeQueueSize(self) -> int | float:
        """Get number of pending decode operations (per WebCodecs spec)"""
    @property
    def ondequeue(self) -> Callable[[], Any] | None:
        """Get the dequeue event handler (per WebCodecs spec)"""
    @ondequeue.setter
    def ondequeue(self, value: Callable[[], Any] | None) -> None: ...
    def configure(self, config: Any, /) -> None:
        """Configure the decoder"""
    def decode(self, chunk: EncodedAudioChunk, /) -> None:
        """Decode an encoded audio chunk"""
    def flush(self) -> JSPromise[None]:
        """Flush the decoder
        Returns a Promise that resolves when flushing is complete

        Uses spawn_future_with_callback to check abort flag synchronously in the resolver.
        This ensures that if reset() is called from a callback, the abort flag is checked
        AFTER the callback returns, allowing flush() to return AbortError.
        """
    def reset(self) -> None:
        """Reset the decoder"""
    def close(self) -> None:
        """Close the decoder"""
    @staticmethod
    def isConfigSupported(config: Any, /) -> JSPromise[AudioDecoderSupport]:
        """Check if a configuration is supported
        Returns a Promise that resolves with support information

        W3C WebCodecs spec: Rejects with TypeError for invalid configs,
        returns { supported: false } for valid but unsupported configs.
        """
    def addEventListener(self, eventType: str, callback: Callable[[], Any], options: AudioDecoderAddEventListenerOptions | None = ..., /) -> None:
        """Add an event listener for the specified event type"""
    def removeEventListener(self, eventType: str, callback: Callable[[], Any], options: AudioDecoderEventListenerOptions | None = ..., /) -> None:
        """Remove an event listener for the specified event type"""
    def dispatchEvent(self, eventType: str, /) -> bool:
        """Dispatch an event to all registered listeners"""

class _AudioEncoderNewInit(TypedDict):
    output: Callable[..., object]
    error: Callable[[JSObject], object]

class AudioEncoder:
    """AudioEncoder - WebCodecs-compliant audio encoder

    Encodes AudioData objects into EncodedAudioChunk objects using FFmpeg.

    Per the WebCodecs spec, the constructor takes an init dictionary with callbacks.

    Example:
    ```javascript
    const encoder = new AudioEncoder({
      output: (chunk, metadata) => { console.log('encoded chunk', chunk); },
      error: (e) => { console.error('error', e); }
    });

    encoder.configure({
      codec: 'opus',
      sampleRate: 48000,
      numberOfChannels: 2
    });

    encoder.encode(audioData);
    await encoder.flush();
    ```
    """
    def __init__(self, init: _AudioEncoderNewInit, /) -> None:
        """Create a new AudioEncoder with init dictionary (per WebCodecs spec)

        @param init - Init dictionary containing output and error callbacks
        """
    @property
    def state(self) -> CodecState:
        """Get encoder state"""
    @property
    def encodeQueueSize(self) -> int | float:
        """Get number of pending encode operations (per WebCodecs spec)"""
    @property
    def ondequeue(self) -> Callable[[], Any] | None:
        """Get the dequeue event handler (per WebCodecs spec)"""
    @ondequeue.setter
    def ondequeue(self, value: Callable[[], Any] | None) -> None: ...
    def configure(self, config: Any, /) -> None:
        """Configure the encoder"""
    def encode(self, data: AudioData, /) -> None:
        """Encode audio data"""
    def flush(self) -> JSPromise[None]:
        """Flush the encoder
        Returns a Promise that resolves when flushing is complete

        Uses spawn_future_with_callback to check abort flag synchronously in the resolver.
        This ensures that if reset() is called from a callback, the abort flag is checked
        AFTER the callback returns, allowing flush() to return AbortError.
        """
    def reset(self) -> None:
        """Reset the encoder"""
    def close(self) -> None:
        """Close the encoder"""
    @staticmethod
    def isConfigSupported(config: Any, /) -> JSPromise[AudioEncoderSupport]:
        """Check if a configuration is supported
        Returns a Promise that resolves with support information

        W3C WebCodecs spec: Rejects with TypeError for invalid configs,
        returns { supported: false } for valid but unsupported configs.
        """
    def addEventListener(self, eventType: str, callback: Callable[[], Any], options: AudioEncoderAddEventListenerOptions | None = ..., /) -> None:
        """Add an event listener for the specified event type
        Uses separate RwLock to avoid blocking on encode operations
        """
    def removeEventListener(self, eventType: str, callback: Callable[[], Any], options: AudioEncoderEventListenerOptions | None = ..., /) -> None:
        """Remove an event listener for the specified event type"""
    def dispatchEvent(self, eventType: str, /) -> bool:
        """Dispatch an event to all registered listeners"""

class DOMRectReadOnly:
    """DOMRectReadOnly - W3C WebCodecs spec compliant rect class
    Used for codedRect and visibleRect properties
    """
    def __init__(self, x: float | None = ..., y: float | None = ..., width: float | None = ..., height: float | None = ..., /) -> None:
        """Create a new DOMRectReadOnly"""
    @property
    def x(self) -> int | float:
        """X coordinate"""
    @property
    def y(self) -> int | float:
        """Y coordinate"""
    @property
    def width(self) -> int | float:
        """Width"""
    @property
    def height(self) -> int | float:
        """Height"""
    @property
    def top(self) -> int | float:
        """Top edge (same as y)"""
    @property
    def right(self) -> int | float:
        """Right edge (x + width)"""
    @property
    def bottom(self) -> int | float:
        """Bottom edge (y + height)"""
    @property
    def left(self) -> int | float:
        """Left edge (same as x)"""
    def toJSON(self) -> DOMRectInit:
        """Convert to JSON (W3C spec uses toJSON)"""

class EncodedAudioChunk:
    """EncodedAudioChunk - represents encoded audio data

    This is a WebCodecs-compliant EncodedAudioChunk implementation.
    """
    def __init__(self, init: Any, /) -> None:
        """Create a new EncodedAudioChunk"""
    @property
    def type(self) -> EncodedAudioChunkType:
        """Get the chunk type"""
    @property
    def timestamp(self) -> int | float:
        """Get the timestamp in microseconds"""
    @property
    def duration(self) -> int | float | None:
        """Get the duration in microseconds"""
    @property
    def byteLength(self) -> int | float:
        """Get the byte length of the encoded data"""
    def copyTo(self, destination: Any, /) -> None:
        """Copy the encoded data to a BufferSource
        W3C spec: throws TypeError if destination is too small
        """

class EncodedVideoChunk:
    """EncodedVideoChunk - represents encoded video data

    This is a WebCodecs-compliant EncodedVideoChunk implementation.
    """
    def __init__(self, init: Any, /) -> None:
        """Create a new EncodedVideoChunk"""
    @property
    def type(self) -> EncodedVideoChunkType:
        """Get the chunk type"""
    @property
    def timestamp(self) -> int | float:
        """Get the timestamp in microseconds"""
    @property
    def duration(self) -> int | float | None:
        """Get the duration in microseconds"""
    @property
    def byteLength(self) -> int | float:
        """Get the byte length of the encoded data"""
    def copyTo(self, destination: Any, /) -> None:
        """Copy the encoded data to a BufferSource
        W3C spec: throws TypeError if destination is too small
        """

class ImageDecoder:
    """ImageDecoder - WebCodecs-compliant image decoder

    Decodes image data (JPEG, PNG, WebP, GIF, BMP) into VideoFrame objects.

    Example:
    ```javascript
    const decoder = new ImageDecoder({
      data: imageBytes,
      type: 'image/png'
    });

    const result = await decoder.decode();
    const frame = result.image;
    ```
    """
    def __init__(self, init: Any, /) -> None:
        """Create a new ImageDecoder
        Supports both Uint8Array and ReadableStream as data source per W3C spec
        """
    @property
    def complete(self) -> bool:
        """Whether the data is fully buffered"""
    @property
    def completed(self) -> JSPromise[None]:
        """Promise that resolves when data is fully loaded (per WebCodecs spec)
        Returns a new promise chained from the stored promise (allows multiple accesses)
        """
    @property
    def type(self) -> str:
        """Get the MIME type"""
    @property
    def tracks(self) -> ImageTrackList:
        """Get the track list"""
    def decode(self, options: ImageDecodeOptions | None = ..., /) -> JSPromise[ImageDecodeResult]:
        """Decode the image (or a specific frame)"""
    def reset(self) -> None:
        """Reset the decoder
        Clears cached frames - next decode() will re-decode from stored data
        """
    def close(self) -> None:
        """Close the decoder"""
    @property
    def closed(self) -> bool:
        """Whether this ImageDecoder has been closed (W3C WebCodecs spec)"""
    @staticmethod
    def isTypeSupported(mimeType: str, /) -> JSPromise[bool]:
        """Check if a MIME type is supported"""

class ImageDecodeResult:
    """Image decode result
    Note: W3C spec defines this as a dictionary, but NAPI-RS doesn't support
    class instances in objects, so we use a class with the same properties.
    """
    @property
    def image(self) -> VideoFrame:
        """Get the decoded image"""
    @property
    def complete(self) -> bool:
        """Get whether the decode is complete"""

class ImageTrack:
    """Image track information (W3C spec - class with writable selected property)"""
    @property
    def animated(self) -> bool:
        """Whether this track is animated"""
    @property
    def frameCount(self) -> int | float:
        """Number of frames in this track"""
    @property
    def repetitionCount(self) -> int | float:
        """Number of times the animation repeats (Infinity for infinite)"""
    @property
    def selected(self) -> bool:
        """Whether this track is currently selected (W3C spec - writable)"""
    @selected.setter
    def selected(self, value: bool) -> None: ...

class ImageTrackList:
    """Image track list (W3C spec)"""
    @property
    def length(self) -> int | float:
        """Get the number of tracks"""
    @property
    def selectedTrack(self) -> ImageTrack | None:
        """Get the currently selected track (if any)"""
    @property
    def selectedIndex(self) -> int | float:
        """Get the selected track index (W3C spec: returns -1 if no track selected)"""
    @property
    def ready(self) -> JSPromise[None]:
        """Promise that resolves when track metadata is available (W3C spec)"""
    def item(self, index: float, /) -> ImageTrack | None:
        """Get track at specified index (W3C spec)"""

class MkvMuxer:
    """MKV Muxer for combining encoded video and audio into Matroska container

    MKV (Matroska) supports virtually all video and audio codecs.

    Usage:
    ```javascript
    const muxer = new MkvMuxer();
    muxer.addVideoTrack({ codec: 'avc1.42001E', width: 1920, height: 1080 });
    muxer.addAudioTrack({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });

    // Add encoded chunks from VideoEncoder/AudioEncoder
    encoder.configure({
      output: (chunk, metadata) => muxer.addVideoChunk(chunk, metadata)
    });

    // Finalize and get MKV data
    const mkvData = muxer.finalize();
    ```
    """
    def __init__(self, options: MkvMuxerOptions | None = ..., /) -> None:
        """Create a new MKV muxer"""
    def addVideoTrack(self, config: MkvVideoTrackConfig, /) -> None:
        """Add a video track to the muxer

        MKV supports H.264, H.265, VP8, VP9, AV1, and many other video codecs.
        """
    def addAudioTrack(self, config: MkvAudioTrackConfig, /) -> None:
        """Add an audio track to the muxer

        MKV supports AAC, Opus, Vorbis, FLAC, MP3, AC3, and many other audio codecs.
        """
    def addVideoChunk(self, chunk: EncodedVideoChunk, metadata: EncodedVideoChunkMetadataJs | None = ..., /) -> None:
        """Add an encoded video chunk to the muxer"""
    def addAudioChunk(self, chunk: EncodedAudioChunk, metadata: EncodedAudioChunkMetadataJs | None = ..., /) -> None:
        """Add an encoded audio chunk to the muxer"""
    def flush(self) -> None:
        """Flush any buffered data"""
    def finalize(self) -> JSBuffer:
        """Finalize the muxer and return the MKV data"""
    def read(self) -> JSBuffer | None:
        """Read available data from streaming buffer (streaming mode only)

        Returns available data, or null if no data is ready yet.
        Returns empty Uint8Array when streaming is finished.
        """
    @property
    def isStreaming(self) -> bool:
        """Check if muxer is in streaming mode"""
    @property
    def isFinished(self) -> bool:
        """Check if streaming is finished (streaming mode only)"""
    def close(self) -> None:
        """Close the muxer and release resources"""
    @property
    def state(self) -> str:
        """Get the current state of the muxer"""

class Mp4Muxer:
    """MP4 Muxer for combining encoded video and audio into MP4 container

    Usage:
    ```javascript
    const muxer = new Mp4Muxer({ fastStart: true });
    muxer.addVideoTrack({ codec: 'avc1.42001E', width: 1920, height: 1080 });
    muxer.addAudioTrack({ codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 2 });

    // Add encoded chunks from VideoEncoder/AudioEncoder
    encoder.configure({
      output: (chunk, metadata) => muxer.addVideoChunk(chunk, metadata)
    });

    // Finalize and get MP4 data
    const mp4Data = muxer.finalize();
    ```
    """
    def __init__(self, options: Mp4MuxerOptions | None = ..., /) -> None:
        """Create a new MP4 muxer"""
    def addVideoTrack(self, config: Mp4VideoTrackConfig, /) -> None:
        """Add a video track to the muxer

        Must be called before adding any chunks.
        """
    def addAudioTrack(self, config: Mp4AudioTrackConfig, /) -> None:
        """Add an audio track to the muxer

        Must be called before adding any chunks.
        """
    def addVideoChunk(self, chunk: EncodedVideoChunk, metadata: EncodedVideoChunkMetadataJs | None = ..., /) -> None:
        """Add an encoded video chunk to the muxer

        The chunk should come from a VideoEncoder's output callback.
        If metadata contains decoderConfig.description, it will be used to update
        the codec extradata (useful for extracting avcC/hvcC from the encoder).
        """
    def addAudioChunk(self, chunk: EncodedAudioChunk, metadata: EncodedAudioChunkMetadataJs | None = ..., /) -> None:
        """Add an encoded audio chunk to the muxer

        The chunk should come from an AudioEncoder's output callback.
        """
    def flush(self) -> None:
        """Flush any buffered data"""
    def finalize(self) -> JSBuffer:
        """Finalize the muxer and return the MP4 data

        After calling this, no more chunks can be added.
        Returns the complete MP4 file as a Uint8Array.
        """
    def read(self) -> JSBuffer | None:
        """Read available data from streaming buffer (streaming mode only)

        Returns available data, or null if no data is ready yet.
        Returns empty Uint8Array when streaming is finished.
        """
    @property
    def isStreaming(self) -> bool:
        """Check if muxer is in streaming mode"""
    @property
    def isFinished(self) -> bool:
        """Check if streaming is finished (streaming mode only)"""
    def close(self) -> None:
        """Close the muxer and release resources

        This is called automatically when the muxer is garbage collected,
        but can be called explicitly to release resources early.
        """
    @property
    def state(self) -> str:
        """Get the current state of the muxer"""

class VideoColorSpace:
    """Video color space parameters (WebCodecs spec) - as a class per spec"""
    def __init__(self, init: Any = ..., /) -> None:
        """Create a new VideoColorSpace"""
    @property
    def primaries(self) -> VideoColorPrimaries | None:
        """Get color primaries"""
    @property
    def transfer(self) -> VideoTransferCharacteristics | None:
        """Get transfer characteristics"""
    @property
    def matrix(self) -> VideoMatrixCoefficients | None:
        """Get matrix coefficients"""
    @property
    def fullRange(self) -> bool | None:
        """Get full range flag"""
    def toJSON(self) -> Any:
        """Convert to JSON-compatible object (W3C spec uses toJSON)

        Per W3C spec, toJSON() returns explicit null for unset fields.
        """

class _VideoDecoderNewInit(TypedDict):
    output: Callable[[VideoFrame], object]
    error: Callable[[JSObject], object]

class VideoDecoder:
    """VideoDecoder - WebCodecs-compliant video decoder

    Decodes EncodedVideoChunk objects into VideoFrame objects using FFmpeg.

    Per the WebCodecs spec, the constructor takes an init dictionary with callbacks.

    Example:
    ```javascript
    const decoder = new VideoDecoder({
      output: (frame) => { console.log('decoded frame', frame); },
      error: (e) => { console.error('error', e); }
    });

    decoder.configure({
      codec: 'avc1.42001E'
    });

    decoder.decode(chunk);
    await decoder.flush();
    ```
    """
    def __init__(self, init: _VideoDecoderNewInit, /) -> None:
        """Create a new VideoDecoder with init dictionary (per WebCodecs spec)

        @param init - Init dictionary containing output and error callbacks
        """
    @property
    def state(self) -> CodecState:
        """Get decoder state"""
    @property
    def decodeQueueSize(self) -> int | float:
        """Get number of pending decode operations (per WebCodecs spec)"""
    @property
    def ondequeue(self) -> Callable[[], Any] | None:
        """Get the dequeue event handler (per WebCodecs spec)"""
    @ondequeue.setter
    def ondequeue(self, value: Callable[[], Any] | None) -> None: ...
    def configure(self, config: Any, /) -> None:
        """Configure the decoder

        Implements Chromium-aligned hardware acceleration behavior:
        - `prefer-hardware`: Try hardware only, report error if fails
        - `no-preference`: Try hardware first, silently fall back to software
        - `prefer-software`: Use software only
        """
    def decode(self, chunk: EncodedVideoChunk, /) -> None:
        """Decode an encoded video chunk"""
    def flush(self) -> JSPromise[None]:
        """Flush the decoder
        Returns a Promise that resolves when flushing is complete

        Uses spawn_future_with_callback to check abort flag synchronously in the resolver.
        This ensures that if reset() is called from a callback, the abort flag is checked
        AFTER the callback returns, allowing flush() to return AbortError.
        """
    def reset(self) -> None:
        """Reset the decoder"""
    def close(self) -> None:
        """Close the decoder"""
    @staticmethod
    def isConfigSupported(config: Any, /) -> JSPromise[VideoDecoderSupport]:
        """Check if a configuration is supported
        Returns a Promise that resolves with support information

        W3C WebCodecs spec: Throws TypeError for invalid configs,
        returns { supported: false } for valid but unsupported configs.
        """
    def addEventListener(self, eventType: str, callback: Callable[[], Any], options: VideoDecoderAddEventListenerOptions | None = ..., /) -> None:
        """Add an event listener for the specified event type
        Uses separate RwLock to avoid blocking on decode operations
        """
    def removeEventListener(self, eventType: str, callback: Callable[[], Any], options: VideoDecoderEventListenerOptions | None = ..., /) -> None:
        """Remove an event listener for the specified event type"""
    def dispatchEvent(self, eventType: str, /) -> bool:
        """Dispatch an event to all registered listeners"""

class _VideoEncoderNewInit(TypedDict):
    output: Callable[..., object]
    error: Callable[[JSObject], object]

class VideoEncoder:
    """VideoEncoder - WebCodecs-compliant video encoder

    Encodes VideoFrame objects into EncodedVideoChunk objects using FFmpeg.

    Per the WebCodecs spec, the constructor takes an init dictionary with callbacks.

    Example:
    ```javascript
    const encoder = new VideoEncoder({
      output: (chunk, metadata) => { console.log('encoded chunk', chunk); },
      error: (e) => { console.error('error', e); }
    });

    encoder.configure({
      codec: 'avc1.42001E',
      width: 1920,
      height: 1080,
      bitrate: 5_000_000
    });

    encoder.encode(frame);
    await encoder.flush();
    ```
    """
    def __init__(self, init: _VideoEncoderNewInit, /) -> None:
        """Create a new VideoEncoder with init dictionary (per WebCodecs spec)

        @param init - Init dictionary containing output and error callbacks
        """
    @property
    def state(self) -> CodecState:
        """Get encoder state"""
    @property
    def encodeQueueSize(self) -> int | float:
        """Get number of pending encode operations (per WebCodecs spec)"""
    @property
    def ondequeue(self) -> Callable[[], Any] | None:
        """Get the dequeue event handler (per WebCodecs spec)"""
    @ondequeue.setter
    def ondequeue(self, value: Callable[[], Any] | None) -> None: ...
    def configure(self, config: Any, /) -> None:
        """Configure the encoder"""
    def encode(self, frame: VideoFrame, options: VideoEncoderEncodeOptions | None = ..., /) -> None:
        """Encode a frame"""
    def flush(self) -> JSPromise[None]:
        """Flush the encoder
        Returns a Promise that resolves when flushing is complete

        Uses spawn_future_with_callback to check abort flag synchronously in the resolver.
        This ensures that if reset() is called from a callback, the abort flag is checked
        AFTER the callback returns, allowing flush() to return AbortError.
        """
    def reset(self) -> None:
        """Reset the encoder"""
    def close(self) -> None:
        """Close the encoder"""
    def addEventListener(self, eventType: str, callback: Callable[[], Any], options: AddEventListenerOptions | None = ..., /) -> None:
        """Add an event listener for the specified event type
        Uses separate RwLock to avoid blocking on encode operations
        """
    def removeEventListener(self, eventType: str, callback: Callable[[], Any], options: EventListenerOptions | None = ..., /) -> None:
        """Remove an event listener for the specified event type"""
    def dispatchEvent(self, eventType: str, /) -> bool:
        """Dispatch an event to all registered listeners"""
    @staticmethod
    def isConfigSupported(config: Any, /) -> JSPromise[VideoEncoderSupport]:
        """Check if a configuration is supported
        Returns a Promise that resolves with support information

        W3C WebCodecs spec: Throws TypeError for invalid configs,
        returns { supported: false } for valid but unsupported configs.

        Note: The config parameter is validated via FromNapiValue which throws
        native TypeError for missing required fields.
        """

class VideoFrame:
    """VideoFrame - represents a frame of video

    This is a WebCodecs-compliant VideoFrame implementation backed by FFmpeg.
    """
    def __init__(self, source: VideoFrame | Buffer | CanvasLike | _CanvasLikeDict, init: Any = ..., /) -> None:
        """Create a new VideoFrame from buffer data, another VideoFrame, or a Canvas (W3C WebCodecs spec)

        Constructor forms per W3C spec:
        1. `new VideoFrame(data, init)` - from BufferSource with VideoFrameBufferInit
        2. `new VideoFrame(source, init?)` - from another VideoFrame with optional VideoFrameInit
        3. `new VideoFrame(canvas, init)` - from @napi-rs/canvas Canvas (requires timestamp in init)
        """
    @property
    def format(self) -> VideoPixelFormat | None:
        """Get the pixel format"""
    @property
    def codedWidth(self) -> int | float:
        """Get the coded width in pixels (returns 0 when closed per W3C spec)"""
    @property
    def codedHeight(self) -> int | float:
        """Get the coded height in pixels (returns 0 when closed per W3C spec)"""
    @property
    def displayWidth(self) -> int | float:
        """Get the display width in pixels (returns 0 when closed per W3C spec)"""
    @property
    def displayHeight(self) -> int | float:
        """Get the display height in pixels (returns 0 when closed per W3C spec)"""
    @property
    def codedRect(self) -> DOMRectReadOnly:
        """Get the coded rect (the region containing valid pixel data)
        Returns DOMRectReadOnly per W3C WebCodecs spec
        Throws InvalidStateError if the VideoFrame is closed
        """
    @property
    def visibleRect(self) -> DOMRectReadOnly:
        """Get the visible rect (the region of coded data that should be displayed)
        Returns DOMRectReadOnly per W3C WebCodecs spec
        Throws InvalidStateError if the VideoFrame is closed
        """
    @property
    def timestamp(self) -> int | float:
        """Get the presentation timestamp in microseconds
        Per W3C spec: "The timestamp getter steps are to return [[timestamp]]"
        The timestamp is preserved even after close() - only resource reference is cleared
        """
    @property
    def duration(self) -> int | float | None:
        """Get the duration in microseconds
        Per W3C spec: "The duration getter steps are to return [[duration]]"
        The duration is preserved even after close() - only resource reference is cleared
        """
    @property
    def colorSpace(self) -> VideoColorSpace:
        """Get the color space parameters"""
    @property
    def closed(self) -> bool:
        """Get whether this VideoFrame has been closed (W3C WebCodecs spec)"""
    @property
    def numberOfPlanes(self) -> int | float:
        """Get the number of planes in this VideoFrame (W3C WebCodecs spec)
        The number depends on the pixel format:
        - RGBA, RGBX, BGRA, BGRX: 1 plane
        - NV12, NV21: 2 planes
        - I420, I422, I444: 3 planes
        - I420A, I422A, I444A: 4 planes
        """
    @property
    def rotation(self) -> int | float:
        """Get the rotation in degrees clockwise (0, 90, 180, 270) - W3C WebCodecs spec"""
    @property
    def flip(self) -> bool:
        """Get whether horizontal flip is applied - W3C WebCodecs spec"""
    def metadata(self) -> VideoFrameMetadata:
        """Get the metadata associated with this VideoFrame - W3C WebCodecs spec
        Currently returns an empty metadata object as members are defined in the registry
        """
    def allocationSize(self, options: VideoFrameCopyToOptions | None = ..., /) -> int | float:
        """Calculate the allocation size needed for copyTo"""
    def copyTo(self, destination: Buffer, options: VideoFrameCopyToOptions | None = ..., /) -> JSPromise[list[PlaneLayout]]:
        """Copy frame data to a Uint8Array

        Returns a Promise that resolves with an array of PlaneLayout objects.
        Options can specify target format and rect for cropped copy.
        """
    def clone(self) -> VideoFrame:
        """Clone this VideoFrame

        This creates a new VideoFrame that shares the underlying pixel data with the original.
        Both frames will reference the same Arc<RwLock<Frame>>, so no pixel data is copied.
        """
    def close(self) -> None:
        """Close and release resources
        Per W3C spec "Close VideoFrame" algorithm:
        1. Assign null to frame's [[resource reference]]
        2. Assign true to frame's [[Detached]]
        Note: Metadata (timestamp, duration, etc.) remains accessible after close
        """

class WebMMuxer:
    """WebM Muxer for combining encoded video and audio into WebM container

    WebM supports VP8, VP9, AV1 video codecs and Opus, Vorbis audio codecs.

    Usage:
    ```javascript
    const muxer = new WebMMuxer();
    muxer.addVideoTrack({ codec: 'vp09.00.10.08', width: 1920, height: 1080 });
    muxer.addAudioTrack({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });

    // Add encoded chunks from VideoEncoder/AudioEncoder
    encoder.configure({
      output: (chunk, metadata) => muxer.addVideoChunk(chunk, metadata)
    });

    // Finalize and get WebM data
    const webmData = muxer.finalize();
    ```
    """
    def __init__(self, options: WebMMuxerOptions | None = ..., /) -> None:
        """Create a new WebM muxer"""
    def addVideoTrack(self, config: WebMVideoTrackConfig, /) -> None:
        """Add a video track to the muxer

        WebM supports VP8, VP9, and AV1 video codecs.
        """
    def addAudioTrack(self, config: WebMAudioTrackConfig, /) -> None:
        """Add an audio track to the muxer

        WebM supports Opus and Vorbis audio codecs.
        """
    def addVideoChunk(self, chunk: EncodedVideoChunk, metadata: EncodedVideoChunkMetadataJs | None = ..., /) -> None:
        """Add an encoded video chunk to the muxer"""
    def addAudioChunk(self, chunk: EncodedAudioChunk, metadata: EncodedAudioChunkMetadataJs | None = ..., /) -> None:
        """Add an encoded audio chunk to the muxer"""
    def flush(self) -> None:
        """Flush any buffered data"""
    def finalize(self) -> JSBuffer:
        """Finalize the muxer and return the WebM data"""
    def read(self) -> JSBuffer | None:
        """Read available data from streaming buffer (streaming mode only)

        Returns available data, or null if no data is ready yet.
        Returns empty Uint8Array when streaming is finished.
        """
    @property
    def isStreaming(self) -> bool:
        """Check if muxer is in streaming mode"""
    @property
    def isFinished(self) -> bool:
        """Check if streaming is finished (streaming mode only)"""
    def close(self) -> None:
        """Close the muxer and release resources"""
    @property
    def state(self) -> str:
        """Get the current state of the muxer"""

AacBitstreamFormat: TypeAlias = Literal['aac', 'adts']

class AacEncoderConfig(TypedDict):
    """AAC encoder configuration (W3C WebCodecs AAC Registration)"""
    format: NotRequired[AacBitstreamFormat]

class AddEventListenerOptions(TypedDict):
    """Options for addEventListener (W3C DOM spec)"""
    capture: NotRequired[bool]
    once: NotRequired[bool]
    passive: NotRequired[bool]

AlphaOption: TypeAlias = Literal['keep', 'discard']

class AudioDataCopyToOptions(TypedDict):
    """Options for copyTo operation"""
    planeIndex: float
    frameOffset: NotRequired[float]
    frameCount: NotRequired[float]
    format: NotRequired[AudioSampleFormat]

class AudioDecoderAddEventListenerOptions(TypedDict):
    """Options for addEventListener (W3C DOM spec)"""
    capture: NotRequired[bool]
    once: NotRequired[bool]
    passive: NotRequired[bool]

class AudioDecoderConfigJs(TypedDict):
    """JavaScript-facing audio decoder config type"""
    codec: NotRequired[str]
    sampleRate: NotRequired[float]
    numberOfChannels: NotRequired[float]
    description: NotRequired[Buffer]

class AudioDecoderConfigOutput(TypedDict):
    """Decoder configuration output (for passing to decoder)"""
    codec: str
    sampleRate: NotRequired[float]
    numberOfChannels: NotRequired[float]
    description: NotRequired[Buffer]

class AudioDecoderEventListenerOptions(TypedDict):
    """Options for removeEventListener (W3C DOM spec)"""
    capture: NotRequired[bool]

class AudioDecoderSupport(TypedDict):
    """Audio decoder support information"""
    supported: bool
    config: Any

class AudioEncoderAddEventListenerOptions(TypedDict):
    """Options for addEventListener (W3C DOM spec)"""
    capture: NotRequired[bool]
    once: NotRequired[bool]
    passive: NotRequired[bool]

class AudioEncoderEncodeOptions(TypedDict):
    """Encode options for audio"""

class AudioEncoderEventListenerOptions(TypedDict):
    """Options for removeEventListener (W3C DOM spec)"""
    capture: NotRequired[bool]

class AudioEncoderSupport(TypedDict):
    """Audio encoder support information"""
    supported: bool
    config: Any

AudioSampleFormat: TypeAlias = Literal['u8', 's16', 's32', 'f32', 'u8-planar', 's16-planar', 's32-planar', 'f32-planar']

AvcBitstreamFormat: TypeAlias = Literal['avc', 'annexb']

class AvcEncoderConfig(TypedDict):
    """AVC (H.264) encoder configuration (W3C WebCodecs AVC Registration)"""
    format: NotRequired[AvcBitstreamFormat]

BitrateMode: TypeAlias = Literal['variable', 'constant']

CodecState: TypeAlias = Literal['unconfigured', 'configured', 'closed']

ColorSpaceConversion: TypeAlias = Literal['default', 'none']

class DemuxerAudioDecoderConfig(TypedDict):
    """Audio decoder configuration exposed to JavaScript"""
    codec: str
    sampleRate: float
    numberOfChannels: float
    description: NotRequired[Buffer]

class DemuxerTrackInfo(TypedDict):
    """Track information exposed to JavaScript"""
    index: float
    trackType: str
    codec: str
    duration: NotRequired[float]
    codedWidth: NotRequired[float]
    codedHeight: NotRequired[float]
    sampleRate: NotRequired[float]
    numberOfChannels: NotRequired[float]

class DemuxerVideoDecoderConfig(TypedDict):
    """Video decoder configuration exposed to JavaScript"""
    codec: str
    codedWidth: float
    codedHeight: float
    description: NotRequired[Buffer]

class DOMRectInit(TypedDict):
    """DOMRectInit for specifying regions"""
    x: NotRequired[float]
    y: NotRequired[float]
    width: NotRequired[float]
    height: NotRequired[float]

class EncodedAudioChunkMetadata(TypedDict):
    """Output callback metadata for audio"""
    decoderConfig: NotRequired[AudioDecoderConfigOutput]

class EncodedAudioChunkMetadataJs(TypedDict):
    """JavaScript-facing metadata type for audio chunks"""
    decoderConfig: NotRequired[AudioDecoderConfigJs]

EncodedAudioChunkType: TypeAlias = Literal['key', 'delta']

class EncodedVideoChunkMetadata(TypedDict):
    """Output callback metadata per WebCodecs spec"""
    decoderConfig: NotRequired[VideoDecoderConfigOutput]
    svc: NotRequired[SvcOutputMetadata]
    alphaSideData: NotRequired[Buffer]

class EncodedVideoChunkMetadataJs(TypedDict):
    """JavaScript-facing metadata type for video chunks"""
    decoderConfig: NotRequired[VideoDecoderConfigJs]
    svc: NotRequired[SvcOutputMetadataJs]
    alphaSideData: NotRequired[Buffer]

EncodedVideoChunkType: TypeAlias = Literal['key', 'delta']

class EventListenerOptions(TypedDict):
    """Options for removeEventListener (W3C DOM spec)"""
    capture: NotRequired[bool]

class FlacEncoderConfig(TypedDict):
    """FLAC encoder configuration (W3C WebCodecs FLAC Registration)"""
    blockSize: NotRequired[float]
    compressLevel: NotRequired[float]

HardwareAcceleration: TypeAlias = Literal['no-preference', 'prefer-hardware', 'prefer-software']

class HardwareAccelerator(TypedDict):
    """Hardware accelerator information"""
    name: str
    description: str
    available: bool

HevcBitstreamFormat: TypeAlias = Literal['hevc', 'annexb']

class HevcEncoderConfig(TypedDict):
    """HEVC (H.265) encoder configuration (W3C WebCodecs HEVC Registration)"""
    format: NotRequired[HevcBitstreamFormat]

class ImageDecodeOptions(TypedDict):
    """Image decode options"""
    frameIndex: NotRequired[float]
    completeFramesOnly: NotRequired[bool]

LatencyMode: TypeAlias = Literal['quality', 'realtime']

class MkvAudioTrackConfig(TypedDict):
    """Audio track configuration for MKV muxer"""
    codec: str
    sampleRate: float
    numberOfChannels: float
    description: NotRequired[Buffer]

class MkvMuxerOptions(TypedDict):
    """MKV muxer options"""
    live: NotRequired[bool]
    streaming: NotRequired[StreamingMuxerOptions]

class MkvVideoTrackConfig(TypedDict):
    """Video track configuration for MKV muxer"""
    codec: str
    width: float
    height: float
    framerate: NotRequired[float]
    description: NotRequired[Buffer]

class Mp4AudioTrackConfig(TypedDict):
    """Audio track configuration for MP4 muxer"""
    codec: str
    sampleRate: float
    numberOfChannels: float
    description: NotRequired[Buffer]

class Mp4MuxerOptions(TypedDict):
    """MP4 muxer options"""
    fastStart: NotRequired[bool]
    fragmented: NotRequired[bool]
    streaming: NotRequired[StreamingMuxerOptions]

class Mp4VideoTrackConfig(TypedDict):
    """Video track configuration for MP4 muxer"""
    codec: str
    width: float
    height: float
    framerate: NotRequired[float]
    description: NotRequired[Buffer]

OpusApplication: TypeAlias = Literal['voip', 'audio', 'lowdelay']

OpusBitstreamFormat: TypeAlias = Literal['opus', 'ogg']

class OpusEncoderConfig(TypedDict):
    """Opus encoder configuration (W3C WebCodecs Opus Registration)"""
    format: NotRequired[OpusBitstreamFormat]
    signal: NotRequired[OpusSignal]
    application: NotRequired[OpusApplication]
    frameDuration: NotRequired[float]
    complexity: NotRequired[float]
    packetlossperc: NotRequired[float]
    useinbandfec: NotRequired[bool]
    usedtx: NotRequired[bool]

OpusSignal: TypeAlias = Literal['auto', 'music', 'voice']

class PlaneLayout(TypedDict):
    """Layout information for a single plane per WebCodecs spec"""
    offset: float
    stride: float

class StreamingMuxerOptions(TypedDict):
    """Streaming mode options for muxers"""
    bufferCapacity: NotRequired[float]

class SvcOutputMetadata(TypedDict):
    """SVC (Scalable Video Coding) output metadata (W3C WebCodecs spec)"""
    temporalLayerId: NotRequired[float]

class SvcOutputMetadataJs(TypedDict):
    """JavaScript-facing SVC metadata"""
    temporalLayerId: NotRequired[float]

VideoColorPrimaries: TypeAlias = Literal['bt709', 'bt470bg', 'smpte170m', 'bt2020', 'smpte432']

class VideoDecoderAddEventListenerOptions(TypedDict):
    """Options for addEventListener (W3C DOM spec)"""
    capture: NotRequired[bool]
    once: NotRequired[bool]
    passive: NotRequired[bool]

class VideoDecoderConfigJs(TypedDict):
    """JavaScript-facing decoder config type"""
    codec: NotRequired[str]
    description: NotRequired[Buffer]
    codedWidth: NotRequired[float]
    codedHeight: NotRequired[float]

class VideoDecoderConfigOutput(TypedDict):
    """Decoder configuration output (for passing to decoder)"""
    codec: str
    codedWidth: NotRequired[float]
    codedHeight: NotRequired[float]
    description: NotRequired[Buffer]
    colorSpace: NotRequired[Any]
    displayAspectWidth: NotRequired[float]
    displayAspectHeight: NotRequired[float]
    rotation: NotRequired[float]
    flip: NotRequired[bool]

class VideoDecoderEventListenerOptions(TypedDict):
    """Options for removeEventListener (W3C DOM spec)"""
    capture: NotRequired[bool]

class VideoDecoderSupport(TypedDict):
    """Result of isConfigSupported per WebCodecs spec"""
    supported: bool
    config: Any

VideoEncoderBitrateMode: TypeAlias = Literal['variable', 'constant', 'quantizer']

class VideoEncoderEncodeOptions(TypedDict):
    """Encode options per WebCodecs spec"""
    keyFrame: NotRequired[bool]
    avc: NotRequired[VideoEncoderEncodeOptionsForAvc]
    hevc: NotRequired[VideoEncoderEncodeOptionsForHevc]
    vp9: NotRequired[VideoEncoderEncodeOptionsForVp9]
    av1: NotRequired[VideoEncoderEncodeOptionsForAv1]

class VideoEncoderEncodeOptionsForAv1(TypedDict):
    """AV1 encode options (W3C WebCodecs AV1 Registration)"""
    quantizer: NotRequired[float]

class VideoEncoderEncodeOptionsForAvc(TypedDict):
    """AVC (H.264) encode options (W3C WebCodecs AVC Registration)"""
    quantizer: NotRequired[float]

class VideoEncoderEncodeOptionsForHevc(TypedDict):
    """HEVC (H.265) encode options (W3C WebCodecs HEVC Registration)"""
    quantizer: NotRequired[float]

class VideoEncoderEncodeOptionsForVp9(TypedDict):
    """VP9 encode options (W3C WebCodecs VP9 Registration)"""
    quantizer: NotRequired[float]

class VideoEncoderSupport(TypedDict):
    """Result of isConfigSupported per WebCodecs spec"""
    supported: bool
    config: Any

class VideoFrameCopyToOptions(TypedDict):
    """Options for copyTo operation"""
    format: NotRequired[VideoPixelFormat]
    rect: NotRequired[DOMRectInit]
    layout: NotRequired[list[PlaneLayout]]

class VideoFrameInit(TypedDict):
    """Options for creating a VideoFrame from an image source (VideoFrameInit per spec)"""
    timestamp: NotRequired[float]
    duration: NotRequired[float]
    alpha: NotRequired[str]
    visibleRect: NotRequired[DOMRectInit]
    rotation: NotRequired[float]
    flip: NotRequired[bool]
    displayWidth: NotRequired[float]
    displayHeight: NotRequired[float]
    metadata: NotRequired[VideoFrameMetadata]

class VideoFrameMetadata(TypedDict):
    """VideoFrameMetadata - metadata associated with a VideoFrame (W3C spec)
    Members defined in VideoFrame Metadata Registry - currently empty per spec
    """

class VideoFrameRect(TypedDict):
    """Rectangle for specifying a region"""
    x: float
    y: float
    width: float
    height: float

VideoMatrixCoefficients: TypeAlias = Literal['rgb', 'bt709', 'bt470bg', 'smpte170m', 'bt2020-ncl']

VideoPixelFormat: TypeAlias = Literal['I420', 'I420A', 'I422', 'I422A', 'I444', 'I444A', 'I420P10', 'I420AP10', 'I422P10', 'I422AP10', 'I444P10', 'I444AP10', 'I420P12', 'I422P12', 'I444P12', 'NV12', 'NV21', 'RGBA', 'RGBX', 'BGRA', 'BGRX']

VideoTransferCharacteristics: TypeAlias = Literal['bt709', 'smpte170m', 'iec61966-2-1', 'srgb', 'linear', 'pq', 'hlg']

class WebMAudioTrackConfig(TypedDict):
    """Audio track configuration for WebM muxer"""
    codec: str
    sampleRate: float
    numberOfChannels: float
    description: NotRequired[Buffer]

class WebMMuxerOptions(TypedDict):
    """WebM muxer options"""
    live: NotRequired[bool]
    streaming: NotRequired[StreamingMuxerOptions]

class WebMVideoTrackConfig(TypedDict):
    """Video track configuration for WebM muxer"""
    codec: str
    width: float
    height: float
    framerate: NotRequired[float]
    description: NotRequired[Buffer]
    alpha: NotRequired[bool]

_Type_AudioData: TypeAlias = AudioData
_Type_AudioDecoder: TypeAlias = AudioDecoder
_Type_AudioEncoder: TypeAlias = AudioEncoder
_Type_DOMRectReadOnly: TypeAlias = DOMRectReadOnly
_Type_EncodedAudioChunk: TypeAlias = EncodedAudioChunk
_Type_EncodedVideoChunk: TypeAlias = EncodedVideoChunk
_Type_ImageDecoder: TypeAlias = ImageDecoder
_Type_ImageDecodeResult: TypeAlias = ImageDecodeResult
_Type_ImageTrack: TypeAlias = ImageTrack
_Type_ImageTrackList: TypeAlias = ImageTrackList
_Type_MkvDemuxer: TypeAlias = MkvDemuxer
_Type_MkvMuxer: TypeAlias = MkvMuxer
_Type_Mp4Demuxer: TypeAlias = Mp4Demuxer
_Type_Mp4Muxer: TypeAlias = Mp4Muxer
_Type_VideoColorSpace: TypeAlias = VideoColorSpace
_Type_VideoDecoder: TypeAlias = VideoDecoder
_Type_VideoEncoder: TypeAlias = VideoEncoder
_Type_VideoFrame: TypeAlias = VideoFrame
_Type_WebMDemuxer: TypeAlias = WebMDemuxer
_Type_WebMMuxer: TypeAlias = WebMMuxer

class Exports(TypedAddon, Protocol):
    """The exports of the addon: ``cast("Exports", require(...))``."""
    @property
    def AudioData(self) -> type[_Type_AudioData]: ...
    @property
    def AudioDecoder(self) -> type[_Type_AudioDecoder]: ...
    @property
    def AudioEncoder(self) -> type[_Type_AudioEncoder]: ...
    @property
    def DOMRectReadOnly(self) -> type[_Type_DOMRectReadOnly]: ...
    @property
    def EncodedAudioChunk(self) -> type[_Type_EncodedAudioChunk]: ...
    @property
    def EncodedVideoChunk(self) -> type[_Type_EncodedVideoChunk]: ...
    @property
    def ImageDecoder(self) -> type[_Type_ImageDecoder]: ...
    @property
    def ImageDecodeResult(self) -> type[_Type_ImageDecodeResult]: ...
    @property
    def ImageTrack(self) -> type[_Type_ImageTrack]: ...
    @property
    def ImageTrackList(self) -> type[_Type_ImageTrackList]: ...
    @property
    def MkvDemuxer(self) -> type[_Type_MkvDemuxer]: ...
    @property
    def MkvMuxer(self) -> type[_Type_MkvMuxer]: ...
    @property
    def Mp4Demuxer(self) -> type[_Type_Mp4Demuxer]: ...
    @property
    def Mp4Muxer(self) -> type[_Type_Mp4Muxer]: ...
    @property
    def VideoColorSpace(self) -> type[_Type_VideoColorSpace]: ...
    @property
    def VideoDecoder(self) -> type[_Type_VideoDecoder]: ...
    @property
    def VideoEncoder(self) -> type[_Type_VideoEncoder]: ...
    @property
    def VideoFrame(self) -> type[_Type_VideoFrame]: ...
    @property
    def WebMDemuxer(self) -> type[_Type_WebMDemuxer]: ...
    @property
    def WebMMuxer(self) -> type[_Type_WebMMuxer]: ...
    def getAvailableHardwareAccelerators(self) -> list[str]:
        """Get available hardware accelerators (only those that can be used)"""
    def getHardwareAccelerators(self) -> list[HardwareAccelerator]:
        """Get list of all known hardware accelerators and their availability"""
    def getPreferredHardwareAccelerator(self) -> str | None:
        """Get the preferred hardware accelerator for the current platform"""
    def isHardwareAcceleratorAvailable(self, name: str, /) -> bool:
        """Check if a specific hardware accelerator is available"""
    def resetHardwareFallbackState(self) -> None:
        """Reset all hardware fallback state.

        This clears all failure counts and re-enables hardware acceleration.
        Useful for:
        - Test isolation (call in beforeEach)
        - Error recovery after fixing hardware issues
        - Manual reset by users
        """
