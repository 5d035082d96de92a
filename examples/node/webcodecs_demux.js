// examples/webcodecs_demux.py's calls under node, through the @napi-rs/webcodecs package, for
// tests/packages/test_examples.py to compare with: node examples/node/webcodecs_demux.js VIDEO.mp4
const { createHash } = require('crypto')
const path = require('path')
const codecs = require(path.join(__dirname, '../../tests/npm/node_modules/@napi-rs/webcodecs'))

const digest = (data) => createHash('sha256').update(data).digest('hex').slice(0, 16)
const fields = (o) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(' ')

// Python's repr of the config dicts the example prints (strings quoted, description as hex).
function pyDict(config) {
  if (!config) return '{}'
  const item = ([k, v]) => `'${k}': ${k === 'description' ? `'${Buffer.from(v).toString('hex')}'` : typeof v === 'string' ? `'${v}'` : v}`
  return `{${Object.entries(config).map(item).join(', ')}}`
}

async function main(file) {
  const chunks = []
  const frames = []
  const errors = []
  const onChunk = (track) => (chunk) => {
    const data = new Uint8Array(chunk.byteLength)
    chunk.copyTo(data)
    chunks.push(`${track} ${chunk.type} t=${chunk.timestamp} d=${chunk.duration} ${chunk.byteLength}B ${digest(data)}`)
    if (track === 'video') decoder.decode(chunk)
  }
  const decoder = new codecs.VideoDecoder({ output: (f) => frames.push(f), error: (e) => errors.push(String(e)) })
  const demuxer = new codecs.Mp4Demuxer({
    videoOutput: onChunk('video'),
    audioOutput: onChunk('audio'),
    error: (e) => errors.push(String(e)),
  })
  await demuxer.load(file)
  for (const track of demuxer.tracks) console.log('track', fields(track))
  console.log('duration', demuxer.duration)
  console.log('video config', pyDict(demuxer.videoDecoderConfig))
  console.log('audio config', pyDict(demuxer.audioDecoderConfig))
  decoder.configure(demuxer.videoDecoderConfig)
  await demuxer.demuxAsync()
  await decoder.flush()
  console.log(`${chunks.length} chunks, state ${demuxer.state}`)
  for (const line of chunks) console.log(' ', line)
  console.log(`${frames.length} frames`)
  for (const frame of frames) {
    const rgba = new Uint8Array(frame.allocationSize({ format: 'RGBA' }))
    await frame.copyTo(rgba, { format: 'RGBA' })
    console.log(`  frame t=${frame.timestamp} ${frame.codedWidth}x${frame.codedHeight} ${frame.format} rgba ${digest(rgba)}`)
    frame.close()
  }
  console.log('errors', `[${errors.map((e) => `'${e}'`).join(', ')}]`)
  demuxer.close()
  decoder.close()
}

main(process.argv[2])
