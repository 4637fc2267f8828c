// render-zpl.js reads ZPL from stdin and writes one PNG per label (^XA…^XZ) to
// OUTDIR/label-N.png, using zpl-renderer-js (zebrash compiled to WebAssembly).
// Usage: NODE_PATH=<dir>/node_modules node render-zpl.js OUTDIR [widthMm heightMm dpmm]
// It prints the written file names, one a line, so the Go test knows them.
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
  const [outDir, w = '105', h = '190', dpmm = '8'] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: render.js OUTDIR [widthMm heightMm dpmm]');
  const zpl = fs.readFileSync(0, 'utf8');
  const { api } = await require('zpl-renderer-js').ready;
  const pngs = await api.zplToBase64MultipleAsync(zpl, Number(w), Number(h), Number(dpmm));
  fs.mkdirSync(outDir, { recursive: true });
  pngs.forEach((b64, i) => {
    const file = path.join(outDir, `label-${i + 1}.png`);
    fs.writeFileSync(file, Buffer.from(b64, 'base64'));
    console.log(file);
  });
}

main().then(
  () => process.exit(0),
  (err) => { console.error(err && err.stack ? err.stack : String(err)); process.exit(1); },
);
