'use strict';
/** npm run shape: the longest files and functions, counted by the TypeScript compiler's reading of the code. */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { execFileSync } from 'node:child_process';
import 'should';
import { shape } from '../scripts/code-shape';

describe('npm run shape', function () {
  let dir;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shape-'));
    const body = (n) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
    fs.writeFileSync(path.join(dir, 'a.ts'), `export class Till {\n  pay(): void {\n${body(10)}\n  }\n}\nexport const short = () => 1;\n`);
    fs.writeFileSync(
      path.join(dir, 'b.html'),
      `<script type="text/html" data-template-name="x"><div>${'\n'.repeat(3)}</div></script>\n<script type="text/javascript">\nRED.nodes.registerType('x', {\n  oneditprepare: function () {\n${body(4)}\n  },\n});\n</script>\n`,
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('counts each file, and each function from its first line to its last, in TypeScript and in editor scripts', function () {
    const { files, functions } = shape([dir]);
    files
      .map((f) => [path.basename(f.file), f.lines])
      .sort()
      .should.eql([
        ['a.ts', 15],
        ['b.html', 14],
      ]);
    const found = Object.fromEntries(functions.map((f) => [`${path.basename(f.file)} ${f.name}`, [f.line, f.lines]]));
    found.should.eql({ 'a.ts Till.pay': [2, 12], 'a.ts short': [15, 1], 'b.html oneditprepare': [7, 6] });
  });

  it('prints the longest first', function () {
    const out = execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'code-shape.js'), '--most', '1', dir], { encoding: 'utf8' });
    out.should.match(/The 1 longest files \(lines\):\n\s+15 {2}\S*a\.ts\n/);
    out.should.match(/The 1 longest functions \(lines\):\n\s+12 {2}Till\.pay {2}\S*a\.ts:2\n/);
  });
});
