'use strict';
/**
 * `npm run docs` writes the library's API reference (typedoc, into docs/api/) from the TSDoc of the public entry
 * points. Here typedoc checks the same sources without writing: a broken {@link}, or a comment that points at
 * something the reference leaves out, fails (typedoc.json treats warnings as errors).
 */
import { execFileSync } from 'node:child_process';
import path = require('node:path');
import 'should';

describe('the API reference', function () {
  this.timeout(120_000);
  it('typedoc builds it from the public entry points without a warning', function () {
    const root = path.join(__dirname, '..');
    const bin = path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const out = execFileSync(process.execPath, [bin, '--emit', 'none'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    out.should.not.match(/warning|error/i);
  });
});
