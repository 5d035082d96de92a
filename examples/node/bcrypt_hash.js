// examples/bcrypt_hash.py's calls under node, through the @node-rs/bcrypt package itself, for
// tests/packages/test_examples.py to compare with: node examples/node/bcrypt_hash.js
const path = require('path')
const bcrypt = require(path.join(__dirname, '../../tests/npm/node_modules/@node-rs/bcrypt'))

// Python's spelling of the values the example prints.
const py = (v) => (v === true ? 'True' : v === false ? 'False' : Array.isArray(v) ? `[${v.map(py).join(', ')}]` : v)
const pyDict = (o) => `{${Object.entries(o).map(([k, v]) => `'${k}': ${typeof v === 'string' ? `'${v}'` : v}`).join(', ')}}`

async function main() {
  console.log('default cost', bcrypt.DEFAULT_COST)

  const fixed = bcrypt.hashSync('correct horse battery staple', { cost: 4, salt: Uint8Array.from({ length: 16 }, (_, i) => i) })
  console.log('fixed salt hash', fixed)
  console.log('parsed', pyDict(bcrypt.parseOptions(fixed)))
  console.log('verify right/wrong', py(bcrypt.verifySync('correct horse battery staple', fixed)), py(bcrypt.verifySync('Tr0ub4dor&3', fixed)))

  const salt = bcrypt.genSaltSync({ cost: 5, version: '2a' })
  const salted = bcrypt.hashSync(Buffer.from('bytes work too'), { salt })
  console.log('encoded salt', salt.slice(0, 7), 'hash', py(salted.startsWith(salt)), py(bcrypt.verifySync(Buffer.from('bytes work too'), salted)))

  const hashed = await bcrypt.hash('async password', { cost: 4 })
  console.log('async verify', py(await bcrypt.verify('async password', hashed)), py(await bcrypt.verify('nope', hashed)))
  const many = await Promise.all([0, 1, 2, 3].map((i) => bcrypt.hash(`user${i}`, { cost: 4 })))
  const checks = await Promise.all(many.map((h, i) => bcrypt.verify(`user${i}`, h)))
  console.log('concurrent hashes verified', py(checks), 'distinct', new Set(many).size)
  console.log('async salt', (await bcrypt.genSalt({ cost: 6 })).slice(0, 7))

  for (const bad of [{ cost: 3 }, { cost: 4, version: '2x' }]) {
    try {
      bcrypt.hashSync('pw', bad)
    } catch (e) {
      console.log('error', e.code, e.message)
    }
  }
}

main()
