// examples/crc32_checksums.py's calls under node, through the @node-rs/crc32 package, for
// tests/packages/test_examples.py to compare with: node examples/node/crc32_checksums.js FILE
const { readFileSync } = require('fs')
const path = require('path')
const { crc32, crc32c } = require(path.join(__dirname, '../../tests/npm/node_modules/@node-rs/crc32'))

const hex = (n) => n.toString(16).padStart(8, '0')
// Python's repr of a str, padded as the example's f-string pads it.
const pyRepr = (s) => (s.includes("'") ? JSON.stringify(s) : `'${s}'`).padEnd(18)

for (const text of ['', '123456789', 'hello world', 'héllo wörld ✓']) {
  console.log(`${pyRepr(text)} crc32 ${hex(crc32(text))} crc32c ${hex(crc32c(text))}`)
}
console.log('bytes == utf-8 string:', crc32(Buffer.from('hello world')) === crc32('hello world') ? 'True' : 'False')

const data = readFileSync(process.argv[2] || __filename)
let state32 = 0
let state32c = 0
for (let start = 0; start < data.length; start += 4096) {
  const chunk = data.subarray(start, start + 4096)
  state32 = crc32(chunk, state32)
  state32c = crc32c(chunk, state32c)
}
console.log(`file ${data.length} bytes in chunks: crc32 ${hex(state32)} crc32c ${hex(state32c)}`)
console.log('chunks == whole:', state32 === crc32(data) && state32c === crc32c(data) ? 'True' : 'False')
