'use strict';
/**
 * The layers of the source: the core (protocol, transports, Terminal) knows nothing of the layers built on it, and
 * those (the Node-RED nodes, the command line) reach the core through its entries only: `core/index.ts`, the
 * library's public API, and `core/internal.ts`, what the pack's own layers share beyond it. The simulator is
 * reached through `simulator/index.ts`. So a core file can be split or renamed without touching a node.
 */
import fs = require('node:fs');
import path = require('node:path');
import ts = require('typescript');
import 'should';
import type { Wire } from './support/wire';

const SRC = path.join(__dirname, '..', 'src');

function tsFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

const layerOf = (file) => path.relative(SRC, file).split(path.sep)[0];

/** Every file `file` imports, exports from or requires within src, as a path relative to src (no extension). */
function localImports(file, text) {
  const found = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  return found
    .filter((name) => name.startsWith('.'))
    .map((name) =>
      path
        .relative(SRC, path.resolve(path.dirname(file), name))
        .split(path.sep)
        .join('/'),
    );
}

const ENTRIES = { core: ['core', 'core/index', 'core/internal'], simulator: ['simulator', 'simulator/index'] };

/** What is wrong with one import of a file of `layer`, or undefined. */
function breach(layer, target) {
  const to = target.split('/')[0];
  if (to === layer) return undefined;
  if (layer === 'core') return `the core imports ${target}`;
  if ((layer === 'nodes' && to === 'cli') || (layer === 'cli' && to === 'nodes')) return `${layer} imports ${target}`;
  if (ENTRIES[to] && !ENTRIES[to].includes(target)) return `reaches into ${target} instead of the ${to}'s entry`;
  return undefined;
}

function breaches(files) {
  const out: Wire[] = [];
  for (const [file, text] of files) {
    for (const target of localImports(file, text)) {
      const why = breach(layerOf(file), target);
      if (why) out.push(`${path.relative(SRC, file)}: ${why}`);
    }
  }
  return out;
}

describe('layers of the source', function () {
  const files = tsFiles(SRC).map((f) => [f, fs.readFileSync(f, 'utf8')]);

  it('finds the imports it judges', function () {
    const nodeFiles = files.filter(([f]) => layerOf(f) === 'nodes');
    nodeFiles.length.should.be.above(10);
    const toCore = nodeFiles.flatMap(([f, text]) => localImports(f, text)).filter((t) => t.startsWith('core'));
    toCore.length.should.be.above(10);
  });

  it('the nodes and the command line import the core and the simulator through their entries only', function () {
    breaches(files.filter(([f]) => ['nodes', 'cli'].includes(layerOf(f)))).should.eql([]);
  });

  it('the core imports nothing of the nodes, the command line or the simulator', function () {
    breaches(files.filter(([f]) => layerOf(f) === 'core')).should.eql([]);
  });

  it('would name a node reaching into a core file, and a core file importing a node', function () {
    const node = path.join(SRC, 'nodes', 'lib', 'x.ts');
    const core = path.join(SRC, 'core', 'x.ts');
    breaches([
      [
        node,
        "import { Terminal } from '../../core/terminal';\nimport { clip } from '../../core/internal';\nimport { Terminal as T } from '../../core';",
      ],
      [core, "import type { Node } from '../nodes/lib/red';\nconst cli = require('../cli/run');"],
      [path.join(SRC, 'cli', 'x.ts'), "export { run } from '../simulator/engine';"],
    ]).should.eql([
      "nodes/lib/x.ts: reaches into core/terminal instead of the core's entry",
      'core/x.ts: the core imports nodes/lib/red',
      'core/x.ts: the core imports cli/run',
      "cli/x.ts: reaches into simulator/engine instead of the simulator's entry",
    ]);
  });
});
