'use strict';
/**
 * What the palette installs: the tarball `npm pack` makes. Icons once (where Node-RED looks for them, beside the
 * node files), no source-map comments pointing at maps that are not there, and no type declarations of the
 * nodes' and the command line's internals (the library's types are its public API and ship).
 */
import { execFileSync } from 'node:child_process';
import fs = require('node:fs');
import path = require('node:path');
import 'should';

const ROOT = path.join(__dirname, '..');

describe('the packed tarball', function () {
  this.timeout(60_000);
  let files;
  before(function () {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    files = JSON.parse(out)[0].files.map((f) => f.path);
  });

  it('holds the library, the nodes with their editor files and locales, the simulator, the CLI, the examples and the docs', function () {
    for (const f of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/core/index.js',
      'dist/core/index.d.ts',
      'dist/simulator/index.js',
      'dist/cli/main.js',
      'dist/nodes/ssi-purchase.js',
      'dist/nodes/ssi-purchase.html',
      'dist/nodes/locales/uk/ssi-purchase.json',
      'resources/editor.js',
    ]) {
      files.should.containEql(f);
    }
    files.some((f) => f.startsWith('examples/') && f.endsWith('.json')).should.be.true();
    files
      .filter((f) => !/^(dist|examples|resources|docs)\//.test(f))
      .sort()
      .should.eql(['LICENSE', 'README.md', 'package.json']);
  });

  it("ships every image the README shows, linked to this version's copy so the npm page and the flow library render it", function () {
    const { images, imageBase } = require('../scripts/readme-images');
    const { version } = require('../package.json');
    const shown = images(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    shown.length.should.be.aboveOrEqual(2);
    for (const [alt, url] of shown) {
      alt.length.should.be.above(20, `${url} needs words for those who cannot see it`);
      url.startsWith(imageBase(version)).should.be.true(`${url} is not a link to version ${version}'s copy`);
      const file = `docs/${url.slice(imageBase(version).length)}`;
      files.should.containEql(file);
      fs.statSync(path.join(ROOT, file)).size.should.be.below(300 * 1024, `${file} is heavy for a README`);
    }
    files
      .filter((f) => f.startsWith('docs/'))
      .sort()
      .should.eql(shown.map(([, url]) => `docs/${url.slice(imageBase(version).length)}`).sort());
  });

  it('ships each icon once, beside the node files where Node-RED finds it', function () {
    const icons = files.filter((f) => f.endsWith('.svg') || f.endsWith('.png')).filter((f) => !f.startsWith('docs/'));
    icons.length.should.be.above(0);
    icons.every((f) => f.startsWith('dist/nodes/icons/')).should.be.true(icons.join(', '));
    new Set(icons.map((f) => path.basename(f))).size.should.equal(icons.length);
    for (const icon of fs.readdirSync(path.join(ROOT, 'icons'))) icons.should.containEql(`dist/nodes/icons/${icon}`);
  });

  it('has no source maps, and no file points at one', function () {
    files.filter((f) => f.endsWith('.map')).should.eql([]);
    const pointing = files.filter((f) => f.endsWith('.js') && fs.readFileSync(path.join(ROOT, f), 'utf8').includes('sourceMappingURL'));
    pointing.should.eql([]);
  });

  it('has type declarations for the library and the simulator only', function () {
    const dts = files.filter((f) => f.endsWith('.d.ts'));
    dts.should.containEql('dist/core/terminal.d.ts');
    dts.filter((f) => !/^dist\/(core|simulator)\//.test(f)).should.eql([]);
  });
});
