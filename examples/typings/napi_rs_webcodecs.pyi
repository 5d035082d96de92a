"""Types of the exports of @napi-rs/webcodecs@1.3.1, from its index.d.ts.

Written by `python -m napi_python stubs @napi-rs/webcodecs`. Use:

    if TYPE_CHECKING:
        from napi_rs_webcodecs import Exports
    addon = cast("Exports", require("@napi-rs/webcodecs"))

Not declared in the file, so typed Any: AllowSharedBufferSource, AudioDataInit, AudioDecoderConfig, AudioEncoderConfig, BufferSource, EncodedAudioChunkInit, EncodedVideoChunkInit, ImageDecoderInit, VideoColorSpaceInit, VideoDecoderConfig, VideoEncoderConfig, VideoFrameBufferInit.
"""

from collections.abc import Callable
from typing import Any, Literal, Protocol, TypedDict

from typing_extensions import Buffer, NotRequired, TypeAlias

from napi_python import JSBuffer, JSObject, JSPromise, TypedAddon

class CanvasLike(Protocol):
    @property
    def width(self) -> int | float: ...
    @property
    def height(self) -> int | float: ...
    def data(self) -> JSBuffer: ...

DemuxerState: TypeAlias = Literal['unloaded', 'ready', 'demuxing', 'ended', 'closed']

MuxerState: TypeAlias = Literal['configuring', 'muxing', 'finalized', 'closed']

class Mp4DemuxerInit(TypedDict):
    videoOutput: NotRequired[Callable[[EncodedVideoChunk], object]]
    audioOutput: NotRequired[Callable[[EncodedAudioChunk], object]]
    error: Callable[[JSObject], object]

class WebMDemuxerInit(TypedDict):
    videoOutput: NotRequired[Callable[[EncodedVideoChunk], object]]
    audioOutput: NotRequired[Callable[[EncodedAudioChunk], object]]
    error: Callable[[JSObject], object]

class MkvDemuxerInit(TypedDict):
    videoOutput: NotRequired[Callable[[EncodedVideoChunk], object]]
    audioOutput: NotRequired[Callable[[EncodedAudioChunk], object]]
    error: Callable[[JSObject], object]

class MuxerVideoTrackConfig(TypedDict):
    codec: str
    width: float
    height: float
    description: NotRequired[Buffer]

class MuxerAudioTrackConfig(TypedDict):
    codec: str
    sampleRate: float
    numberOfChannels: float
    description: NotRequired[Buffer]

class _Mp4MuxerInitStreaming(TypedDict):
    bufferCapacity: NotRequired[float]

class Mp4MuxerInit(TypedDict):
    fastStart: NotRequired[bool]
    fragmented: NotRequired[bool]
    streaming: NotRequired[_Mp4MuxerInitStreaming]

class _WebMMuxerInitStreaming(TypedDict):
    bufferCapacity: NotRequired[float]

class WebMMuxerInit(TypedDict):
    live: NotRequired[bool]
    streaming: NotRequired[_WebMMuxerInitStreaming]

class _MkvMuxerInitStreaming(TypedDict):
    bufferCapacity: NotRequired[float]

class MkvMuxerInit(TypedDict):
    live: NotRequired[bool]
    streaming: NotRequired[_MkvMuxerInitStreaming]

class DemuxerChunk(TypedDict):
    chunkType: Literal['video', 'audio']
    videoChunk: NotRequired[EncodedVideoChunk]
    audioChunk: NotRequired[EncodedAudioChunk]

class Mp4Demuxer:
    def __init__(self, init: Mp4DemuxerInit, /) -> None: ...
    def load(self, path: str, /) -> JSPromise[None]: ...
    def loadBuffer(self, data: Buffer, /) -> JSPromise[None]: ...
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
    def demuxAsync(self, count: float | None = ..., /) -> JSPromise[None]: ...
    def seek(self, timestampUs: float, /) -> None: ...
    def close(self) -> None: ...
    @property
    def state(self) -> str: ...

class WebMDemuxer:
    def __init__(self, init: WebMDemuxerInit, /) -> None: ...
    def load(self, path: str, /) -> JSPromise[None]: ...
    def loadBuffer(self, data: Buffer, /) -> JSPromise[None]: ...
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
    def demuxAsync(self, count: float | None = ..., /) -> JSPromise[None]: ...
    def seek(self, timestampUs: float, /) -> None: ...
    def close(self) -> None: ...
    @property
    def state(self) -> str: ...

class MkvDemuxer:
    def __init__(self, init: MkvDemuxerInit, /) -> None: ...
    def load(self, path: str, /) -> JSPromise[None]: ...
    def loadBuffer(self, data: Buffer, /) -> JSPromise[None]: ...
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
    def demuxAsync(self, count: float | None = ..., /) -> JSPromise[None]: ...
    def seek(self, timestampUs: float, /) -> None: ...
    def close(self) -> None: ...
    @property
    def state(self) -> str: ...

TypedArray: TypeAlias = JSBuffer | Buffer

class AudioData:
    def __init__(self, init: Any, /) -> None: ...
    @property
    def format(self) -> AudioSampleFormat | None: ...
    @property
    def sampleRate(self) -> int | float: ...
    @property
    def numberOfFrames(self) -> int | float: ...
    @property
    def numberOfChannels(self) -> int | float: ...
    @property
    def duration(self) -> int | float: ...
    @property
    def timestamp(self) -> int | float: ...
    @property
    def closed(self) -> bool: ...
    @property
    def numberOfPlanes(self) -> int | float: ...
    def allocationSize(self, options: AudioDataCopyToOptions, /) -> int | float: ...
    def copyTo(self, destination: Any, options: AudioDataCopyToOptions, /) -> None: ...
    def clone(self) -> AudioData: ...
    def close(self) -> None: ...

class _AudioDecoderNewInit(TypedDict):
    output: Callable[[AudioData], object]
    error: Callable[[JSObject], object]

class AudioDecoder:
    def __init__(self, init: _AudioDecoderNewInit, /) -> None: ...
    @property
    def state(self) -> CodecState: ...
    @property
    def decodeQueueSize(self) -> int | float: ...
    @property
    def ondequeue(self) -> Callable[[], Any] | None: ...
    @ondequeue.setter
    def ondequeue(self, value: Callable[[], Any] | None) -> None: ...
    def configure(self, config: Any, /) -> None: ...
    def decode(self, chunk: EncodedAudioChunk, /) -> None: ...
    def flush(self) -> JSPromise[None]: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...
    @staticmethod
    def isConfigSupported(config: Any, /) -> JSPromise[AudioDecoderSupport]: ...
    def addEventListener(self, eventType: str, callback: Callable[[], Any], options: AudioDecoderAddEventListenerOptions | None = ..., /) -> None: ...
    def removeEventListener(self, eventType: str, callback: Callable[[], Any], options: AudioDecoderEventListenerOptions | None = ..., /) -> None: ...
    def dispatchEvent(self, eventType: str, /) -> bool: ...

class _AudioEncoderNewInit(TypedDict):
    output: Callable[..., object]
    error: Callable[[JSObject], object]

class AudioEncoder:
    def __init__(self, init: _AudioEncoderNewInit, /) -> None: ...
    @property
    def state(self) -> CodecState: ...
    @property
    def encodeQueueSize(self) -> int | float: ...
    @property
    def ondequeue(self) -> Callable[[], Any] | None: ...
    @ondequeue.setter
    def ondequeue(self, value: Callable[[], Any] | None) -> None: ...
    def configure(self, config: Any, /) -> None: ...
    def encode(self, data: AudioData, /) -> None: ...
    def flush(self) -> JSPromise[None]: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...
    @staticmethod
    def isConfigSupported(config: Any, /) -> JSPromise[AudioEncoderSupport]: ...
    def addEventListener(self, eventType: str, callback: Callable[[], Any], options: AudioEncoderAddEventListenerOptions | None = ..., /) -> None: ...
    def removeEventListener(self, eventType: str, callback: Callable[[], Any], options: AudioEncoderEventListenerOptions | None = ..., /) -> None: ...
    def dispatchEvent(self, eventType: str, /) -> bool: ...

class DOMRectReadOnly:
    def __init__(self, x: float | None = ..., y: float | None = ..., width: float | None = ..., height: float | None = ..., /) -> None: ...
    @property
    def x(self) -> int | float: ...
    @property
    def y(self) -> int | float: ...
    @property
    def width(self) -> int | float: ...
    @property
    def height(self) -> int | float: ...
    @property
    def top(self) -> int | float: ...
    @property
    def right(self) -> int | float: ...
    @property
    def bottom(self) -> int | float: ...
    @property
    def left(self) -> int | float: ...
    def toJSON(self) -> DOMRectInit: ...

class EncodedAudioChunk:
    def __init__(self, init: Any, /) -> None: ...
    @property
    def type(self) -> EncodedAudioChunkType: ...
    @property
    def timestamp(self) -> int | float: ...
    @property
    def duration(self) -> int | float | None: ...
    @property
    def byteLength(self) -> int | float: ...
    def copyTo(self, destination: Any, /) -> None: ...

class EncodedVideoChunk:
    def __init__(self, init: Any, /) -> None: ...
    @property
    def type(self) -> EncodedVideoChunkType: ...
    @property
    def timestamp(self) -> int | float: ...
    @property
    def duration(self) -> int | float | None: ...
    @property
    def byteLength(self) -> int | float: ...
    def copyTo(self, destination: Any, /) -> None: ...

class ImageDecoder:
    def __init__(self, init: Any, /) -> None: ...
    @property
    def complete(self) -> bool: ...
    @property
    def completed(self) -> JSPromise[None]: ...
    @property
    def type(self) -> str: ...
    @property
    def tracks(self) -> ImageTrackList: ...
    def decode(self, options: ImageDecodeOptions | None = ..., /) -> JSPromise[ImageDecodeResult]: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @staticmethod
    def isTypeSupported(mimeType: str, /) -> JSPromise[bool]: ...

class ImageDecodeResult:
    @property
    def image(self) -> VideoFrame: ...
    @property
    def complete(self) -> bool: ...

class ImageTrack:
    @property
    def animated(self) -> bool: ...
    @property
    def frameCount(self) -> int | float: ...
    @property
    def repetitionCount(self) -> int | float: ...
    @property
    def selected(self) -> bool: ...
    @selected.setter
    def selected(self, value: bool) -> None: ...

class ImageTrackList:
    @property
    def length(self) -> int | float: ...
    @property
    def selectedTrack(self) -> ImageTrack | None: ...
    @property
    def selectedIndex(self) -> int | float: ...
    @property
    def ready(self) -> JSPromise[None]: ...
    def item(self, index: float, /) -> ImageTrack | None: ...

class MkvMuxer:
    def __init__(self, options: MkvMuxerOptions | None = ..., /) -> None: ...
    def addVideoTrack(self, config: MkvVideoTrackConfig, /) -> None: ...
    def addAudioTrack(self, config: MkvAudioTrackConfig, /) -> None: ...
    def addVideoChunk(self, chunk: EncodedVideoChunk, metadata: EncodedVideoChunkMetadataJs | None = ..., /) -> None: ...
    def addAudioChunk(self, chunk: EncodedAudioChunk, metadata: EncodedAudioChunkMetadataJs | None = ..., /) -> None: ...
    def flush(self) -> None: ...
    def finalize(self) -> JSBuffer: ...
    def read(self) -> JSBuffer | None: ...
    @property
    def isStreaming(self) -> bool: ...
    @property
    def isFinished(self) -> bool: ...
    def close(self) -> None: ...
    @property
    def state(self) -> str: ...

class Mp4Muxer:
    def __init__(self, options: Mp4MuxerOptions | None = ..., /) -> None: ...
    def addVideoTrack(self, config: Mp4VideoTrackConfig, /) -> None: ...
    def addAudioTrack(self, config: Mp4AudioTrackConfig, /) -> None: ...
    def addVideoChunk(self, chunk: EncodedVideoChunk, metadata: EncodedVideoChunkMetadataJs | None = ..., /) -> None: ...
    def addAudioChunk(self, chunk: EncodedAudioChunk, metadata: EncodedAudioChunkMetadataJs | None = ..., /) -> None: ...
    def flush(self) -> None: ...
    def finalize(self) -> JSBuffer: ...
    def read(self) -> JSBuffer | None: ...
    @property
    def isStreaming(self) -> bool: ...
    @property
    def isFinished(self) -> bool: ...
    def close(self) -> None: ...
    @property
    def state(self) -> str: ...

class VideoColorSpace:
    def __init__(self, init: Any = ..., /) -> None: ...
    @property
    def primaries(self) -> VideoColorPrimaries | None: ...
    @property
    def transfer(self) -> VideoTransferCharacteristics | None: ...
    @property
    def matrix(self) -> VideoMatrixCoefficients | None: ...
    @property
    def fullRange(self) -> bool | None: ...
    def toJSON(self) -> Any: ...

class _VideoDecoderNewInit(TypedDict):
    output: Callable[[VideoFrame], object]
    error: Callable[[JSObject], object]

class VideoDecoder:
    def __init__(self, init: _VideoDecoderNewInit, /) -> None: ...
    @property
    def state(self) -> CodecState: ...
    @property
    def decodeQueueSize(self) -> int | float: ...
    @property
    def ondequeue(self) -> Callable[[], Any] | None: ...
    @ondequeue.setter
    def ondequeue(self, value: Callable[[], Any] | None) -> None: ...
    def configure(self, config: Any, /) -> None: ...
    def decode(self, chunk: EncodedVideoChunk, /) -> None: ...
    def flush(self) -> JSPromise[None]: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...
    @staticmethod
    def isConfigSupported(config: Any, /) -> JSPromise[VideoDecoderSupport]: ...
    def addEventListener(self, eventType: str, callback: Callable[[], Any], options: VideoDecoderAddEventListenerOptions | None = ..., /) -> None: ...
    def removeEventListener(self, eventType: str, callback: Callable[[], Any], options: VideoDecoderEventListenerOptions | None = ..., /) -> None: ...
    def dispatchEvent(self, eventType: str, /) -> bool: ...

class _VideoEncoderNewInit(TypedDict):
    output: Callable[..., object]
    error: Callable[[JSObject], object]

class VideoEncoder:
    def __init__(self, init: _VideoEncoderNewInit, /) -> None: ...
    @property
    def state(self) -> CodecState: ...
    @property
    def encodeQueueSize(self) -> int | float: ...
    @property
    def ondequeue(self) -> Callable[[], Any] | None: ...
    @ondequeue.setter
    def ondequeue(self, value: Callable[[], Any] | None) -> None: ...
    def configure(self, config: Any, /) -> None: ...
    def encode(self, frame: VideoFrame, options: VideoEncoderEncodeOptions | None = ..., /) -> None: ...
    def flush(self) -> JSPromise[None]: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...
    def addEventListener(self, eventType: str, callback: Callable[[], Any], options: AddEventListenerOptions | None = ..., /) -> None: ...
    def removeEventListener(self, eventType: str, callback: Callable[[], Any], options: EventListenerOptions | None = ..., /) -> None: ...
    def dispatchEvent(self, eventType: str, /) -> bool: ...
    @staticmethod
    def isConfigSupported(config: Any, /) -> JSPromise[VideoEncoderSupport]: ...

class VideoFrame:
    def __init__(self, source: VideoFrame | Buffer | CanvasLike, init: Any = ..., /) -> None: ...
    @property
    def format(self) -> VideoPixelFormat | None: ...
    @property
    def codedWidth(self) -> int | float: ...
    @property
    def codedHeight(self) -> int | float: ...
    @property
    def displayWidth(self) -> int | float: ...
    @property
    def displayHeight(self) -> int | float: ...
    @property
    def codedRect(self) -> DOMRectReadOnly: ...
    @property
    def visibleRect(self) -> DOMRectReadOnly: ...
    @property
    def timestamp(self) -> int | float: ...
    @property
    def duration(self) -> int | float | None: ...
    @property
    def colorSpace(self) -> VideoColorSpace: ...
    @property
    def closed(self) -> bool: ...
    @property
    def numberOfPlanes(self) -> int | float: ...
    @property
    def rotation(self) -> int | float: ...
    @property
    def flip(self) -> bool: ...
    def metadata(self) -> VideoFrameMetadata: ...
    def allocationSize(self, options: VideoFrameCopyToOptions | None = ..., /) -> int | float: ...
    def copyTo(self, destination: Buffer, options: VideoFrameCopyToOptions | None = ..., /) -> JSPromise[list[PlaneLayout]]: ...
    def clone(self) -> VideoFrame: ...
    def close(self) -> None: ...

class WebMMuxer:
    def __init__(self, options: WebMMuxerOptions | None = ..., /) -> None: ...
    def addVideoTrack(self, config: WebMVideoTrackConfig, /) -> None: ...
    def addAudioTrack(self, config: WebMAudioTrackConfig, /) -> None: ...
    def addVideoChunk(self, chunk: EncodedVideoChunk, metadata: EncodedVideoChunkMetadataJs | None = ..., /) -> None: ...
    def addAudioChunk(self, chunk: EncodedAudioChunk, metadata: EncodedAudioChunkMetadataJs | None = ..., /) -> None: ...
    def flush(self) -> None: ...
    def finalize(self) -> JSBuffer: ...
    def read(self) -> JSBuffer | None: ...
    @property
    def isStreaming(self) -> bool: ...
    @property
    def isFinished(self) -> bool: ...
    def close(self) -> None: ...
    @property
    def state(self) -> str: ...

AacBitstreamFormat: TypeAlias = Literal['aac', 'adts']

class AacEncoderConfig(TypedDict):
    format: NotRequired[AacBitstreamFormat]

class AddEventListenerOptions(TypedDict):
    capture: NotRequired[bool]
    once: NotRequired[bool]
    passive: NotRequired[bool]

AlphaOption: TypeAlias = Literal['keep', 'discard']

class AudioDataCopyToOptions(TypedDict):
    planeIndex: float
    frameOffset: NotRequired[float]
    frameCount: NotRequired[float]
    format: NotRequired[AudioSampleFormat]

class AudioDecoderAddEventListenerOptions(TypedDict):
    capture: NotRequired[bool]
    once: NotRequired[bool]
    passive: NotRequired[bool]

class AudioDecoderConfigJs(TypedDict):
    codec: NotRequired[str]
    sampleRate: NotRequired[float]
    numberOfChannels: NotRequired[float]
    description: NotRequired[Buffer]

class AudioDecoderConfigOutput(TypedDict):
    codec: str
    sampleRate: NotRequired[float]
    numberOfChannels: NotRequired[float]
    description: NotRequired[Buffer]

class AudioDecoderEventListenerOptions(TypedDict):
    capture: NotRequired[bool]

class AudioDecoderSupport(TypedDict):
    supported: bool
    config: Any

class AudioEncoderAddEventListenerOptions(TypedDict):
    capture: NotRequired[bool]
    once: NotRequired[bool]
    passive: NotRequired[bool]

class AudioEncoderEncodeOptions(TypedDict):
    ...

class AudioEncoderEventListenerOptions(TypedDict):
    capture: NotRequired[bool]

class AudioEncoderSupport(TypedDict):
    supported: bool
    config: Any

AudioSampleFormat: TypeAlias = Literal['u8', 's16', 's32', 'f32', 'u8-planar', 's16-planar', 's32-planar', 'f32-planar']

AvcBitstreamFormat: TypeAlias = Literal['avc', 'annexb']

class AvcEncoderConfig(TypedDict):
    format: NotRequired[AvcBitstreamFormat]

BitrateMode: TypeAlias = Literal['variable', 'constant']

CodecState: TypeAlias = Literal['unconfigured', 'configured', 'closed']

ColorSpaceConversion: TypeAlias = Literal['default', 'none']

class DemuxerAudioDecoderConfig(TypedDict):
    codec: str
    sampleRate: float
    numberOfChannels: float
    description: NotRequired[Buffer]

class DemuxerTrackInfo(TypedDict):
    index: float
    trackType: str
    codec: str
    duration: NotRequired[float]
    codedWidth: NotRequired[float]
    codedHeight: NotRequired[float]
    sampleRate: NotRequired[float]
    numberOfChannels: NotRequired[float]

class DemuxerVideoDecoderConfig(TypedDict):
    codec: str
    codedWidth: float
    codedHeight: float
    description: NotRequired[Buffer]

class DOMRectInit(TypedDict):
    x: NotRequired[float]
    y: NotRequired[float]
    width: NotRequired[float]
    height: NotRequired[float]

class EncodedAudioChunkMetadata(TypedDict):
    decoderConfig: NotRequired[AudioDecoderConfigOutput]

class EncodedAudioChunkMetadataJs(TypedDict):
    decoderConfig: NotRequired[AudioDecoderConfigJs]

EncodedAudioChunkType: TypeAlias = Literal['key', 'delta']

class EncodedVideoChunkMetadata(TypedDict):
    decoderConfig: NotRequired[VideoDecoderConfigOutput]
    svc: NotRequired[SvcOutputMetadata]
    alphaSideData: NotRequired[Buffer]

class EncodedVideoChunkMetadataJs(TypedDict):
    decoderConfig: NotRequired[VideoDecoderConfigJs]
    svc: NotRequired[SvcOutputMetadataJs]
    alphaSideData: NotRequired[Buffer]

EncodedVideoChunkType: TypeAlias = Literal['key', 'delta']

class EventListenerOptions(TypedDict):
    capture: NotRequired[bool]

class FlacEncoderConfig(TypedDict):
    blockSize: NotRequired[float]
    compressLevel: NotRequired[float]

HardwareAcceleration: TypeAlias = Literal['no-preference', 'prefer-hardware', 'prefer-software']

class HardwareAccelerator(TypedDict):
    name: str
    description: str
    available: bool

HevcBitstreamFormat: TypeAlias = Literal['hevc', 'annexb']

class HevcEncoderConfig(TypedDict):
    format: NotRequired[HevcBitstreamFormat]

class ImageDecodeOptions(TypedDict):
    frameIndex: NotRequired[float]
    completeFramesOnly: NotRequired[bool]

LatencyMode: TypeAlias = Literal['quality', 'realtime']

class MkvAudioTrackConfig(TypedDict):
    codec: str
    sampleRate: float
    numberOfChannels: float
    description: NotRequired[Buffer]

class MkvMuxerOptions(TypedDict):
    live: NotRequired[bool]
    streaming: NotRequired[StreamingMuxerOptions]

class MkvVideoTrackConfig(TypedDict):
    codec: str
    width: float
    height: float
    framerate: NotRequired[float]
    description: NotRequired[Buffer]

class Mp4AudioTrackConfig(TypedDict):
    codec: str
    sampleRate: float
    numberOfChannels: float
    description: NotRequired[Buffer]

class Mp4MuxerOptions(TypedDict):
    fastStart: NotRequired[bool]
    fragmented: NotRequired[bool]
    streaming: NotRequired[StreamingMuxerOptions]

class Mp4VideoTrackConfig(TypedDict):
    codec: str
    width: float
    height: float
    framerate: NotRequired[float]
    description: NotRequired[Buffer]

OpusApplication: TypeAlias = Literal['voip', 'audio', 'lowdelay']

OpusBitstreamFormat: TypeAlias = Literal['opus', 'ogg']

class OpusEncoderConfig(TypedDict):
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
    offset: float
    stride: float

class StreamingMuxerOptions(TypedDict):
    bufferCapacity: NotRequired[float]

class SvcOutputMetadata(TypedDict):
    temporalLayerId: NotRequired[float]

class SvcOutputMetadataJs(TypedDict):
    temporalLayerId: NotRequired[float]

VideoColorPrimaries: TypeAlias = Literal['bt709', 'bt470bg', 'smpte170m', 'bt2020', 'smpte432']

class VideoDecoderAddEventListenerOptions(TypedDict):
    capture: NotRequired[bool]
    once: NotRequired[bool]
    passive: NotRequired[bool]

class VideoDecoderConfigJs(TypedDict):
    codec: NotRequired[str]
    description: NotRequired[Buffer]
    codedWidth: NotRequired[float]
    codedHeight: NotRequired[float]

class VideoDecoderConfigOutput(TypedDict):
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
    capture: NotRequired[bool]

class VideoDecoderSupport(TypedDict):
    supported: bool
    config: Any

VideoEncoderBitrateMode: TypeAlias = Literal['variable', 'constant', 'quantizer']

class VideoEncoderEncodeOptions(TypedDict):
    keyFrame: NotRequired[bool]
    avc: NotRequired[VideoEncoderEncodeOptionsForAvc]
    hevc: NotRequired[VideoEncoderEncodeOptionsForHevc]
    vp9: NotRequired[VideoEncoderEncodeOptionsForVp9]
    av1: NotRequired[VideoEncoderEncodeOptionsForAv1]

class VideoEncoderEncodeOptionsForAv1(TypedDict):
    quantizer: NotRequired[float]

class VideoEncoderEncodeOptionsForAvc(TypedDict):
    quantizer: NotRequired[float]

class VideoEncoderEncodeOptionsForHevc(TypedDict):
    quantizer: NotRequired[float]

class VideoEncoderEncodeOptionsForVp9(TypedDict):
    quantizer: NotRequired[float]

class VideoEncoderSupport(TypedDict):
    supported: bool
    config: Any

class VideoFrameCopyToOptions(TypedDict):
    format: NotRequired[VideoPixelFormat]
    rect: NotRequired[DOMRectInit]
    layout: NotRequired[list[PlaneLayout]]

class VideoFrameInit(TypedDict):
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
    ...

class VideoFrameRect(TypedDict):
    x: float
    y: float
    width: float
    height: float

VideoMatrixCoefficients: TypeAlias = Literal['rgb', 'bt709', 'bt470bg', 'smpte170m', 'bt2020-ncl']

VideoPixelFormat: TypeAlias = Literal['I420', 'I420A', 'I422', 'I422A', 'I444', 'I444A', 'I420P10', 'I420AP10', 'I422P10', 'I422AP10', 'I444P10', 'I444AP10', 'I420P12', 'I422P12', 'I444P12', 'NV12', 'NV21', 'RGBA', 'RGBX', 'BGRA', 'BGRX']

VideoTransferCharacteristics: TypeAlias = Literal['bt709', 'smpte170m', 'iec61966-2-1', 'srgb', 'linear', 'pq', 'hlg']

class WebMAudioTrackConfig(TypedDict):
    codec: str
    sampleRate: float
    numberOfChannels: float
    description: NotRequired[Buffer]

class WebMMuxerOptions(TypedDict):
    live: NotRequired[bool]
    streaming: NotRequired[StreamingMuxerOptions]

class WebMVideoTrackConfig(TypedDict):
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
    def getAvailableHardwareAccelerators(self) -> list[str]: ...
    def getHardwareAccelerators(self) -> list[HardwareAccelerator]: ...
    def getPreferredHardwareAccelerator(self) -> str | None: ...
    def isHardwareAcceleratorAvailable(self, name: str, /) -> bool: ...
    def resetHardwareFallbackState(self) -> None: ...
