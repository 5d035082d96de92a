// examples/canvas_draw.py's calls under node, through the @napi-rs/canvas package itself, for
// tests/packages/test_examples.py to compare with: node examples/node/canvas_draw.js OUT.png
const { createHash } = require('crypto')
const { writeFileSync } = require('fs')
const path = require('path')
const { createCanvas, Path2D } = require(path.join(__dirname, '../../tests/npm/node_modules/@napi-rs/canvas'))

const sha256 = (b) => createHash('sha256').update(b).digest('hex')

function draw(canvas) {
  const ctx = canvas.getContext('2d')
  const sky = ctx.createLinearGradient(0, 0, 0, canvas.height)
  sky.addColorStop(0, '#1e3c72')
  sky.addColorStop(1, '#2a5298')
  ctx.fillStyle = sky
  ctx.fillRect(0, 0, canvas.width, canvas.height)

  ctx.fillStyle = 'rgba(255, 220, 80, 0.9)'
  ctx.shadowColor = 'rgba(255, 255, 200, 0.8)'
  ctx.shadowBlur = 12
  ctx.beginPath()
  ctx.arc(250, 60, 30, 0, 2 * Math.PI)
  ctx.fill()
  ctx.shadowBlur = 0

  const hills = new Path2D()
  hills.moveTo(0, 150)
  hills.bezierCurveTo(80, 100, 160, 190, 320, 120)
  hills.lineTo(320, 200)
  hills.lineTo(0, 200)
  hills.closePath()
  ctx.fillStyle = '#2e7d32'
  ctx.fill(hills)

  ctx.save()
  ctx.translate(90, 150)
  ctx.rotate(-0.1)
  ctx.fillStyle = '#8d6e63'
  ctx.fillRect(-25, -30, 50, 30)
  ctx.beginPath()
  ctx.moveTo(-30, -30)
  ctx.lineTo(0, -55)
  ctx.lineTo(30, -30)
  ctx.closePath()
  ctx.fillStyle = '#c62828'
  ctx.fill()
  ctx.restore()

  ctx.strokeStyle = 'white'
  ctx.lineWidth = 3
  ctx.setLineDash([6, 4])
  ctx.strokeRect(5, 5, canvas.width - 10, canvas.height - 10)
  ctx.setLineDash([])

  ctx.font = 'bold 20px DejaVu Sans'
  ctx.fillStyle = 'white'
  ctx.fillText('napi-python', 12, 32)
  const width = ctx.measureText('napi-python').width

  const strip = ctx.getImageData(0, 180, canvas.width, 20)
  const data = strip.data
  for (let i = 0; i < data.length; i += 4) {
    data[i] = 255 - data[i]
    data[i + 1] = 255 - data[i + 1]
    data[i + 2] = 255 - data[i + 2]
  }
  ctx.putImageData(strip, 0, 180)
  return [ctx, width]
}

async function main(out) {
  const canvas = createCanvas(320, 200)
  const [ctx, textWidth] = draw(canvas)
  const png = canvas.encodeSync('png')
  writeFileSync(out, png)
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data
  const webp = await canvas.encode('webp', 90)
  const at = (60 * 320 + 250) * 4
  console.log(`canvas ${canvas.width}x${canvas.height}`)
  console.log(`text width ${textWidth.toFixed(3)}`)
  console.log(`png ${png.length} bytes sha256 ${sha256(png)}`)
  console.log(`rgba sha256 ${sha256(rgba)}`)
  console.log(`pixel (250,60) [${Array.from(rgba.subarray(at, at + 4)).join(', ')}]`)
  console.log(`webp ${webp.subarray(0, 4).toString()} ${webp.subarray(8, 12).toString()}`)
  console.log(`data url ${canvas.toDataURL('image/png').slice(0, 22)}`)
}

main(process.argv[2] || 'canvas.png')
