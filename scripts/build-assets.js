'use strict';
/**
 * Puts what the editor loads next to the compiled nodes: their HTML and help (made from the sources by
 * scripts/node-html.js), their message catalogues and icons; and makes the bins executable.
 */
const fs = require('node:fs');
const path = require('node:path');
const nodeHtml = require('./node-html');

const root = path.join(__dirname, '..');
const out = path.join(root, 'dist', 'nodes');
fs.mkdirSync(out, { recursive: true });
fs.rmSync(path.join(out, 'locales'), { recursive: true, force: true });
fs.cpSync(path.join(root, 'src', 'nodes', 'locales'), path.join(out, 'locales'), { recursive: true });
nodeHtml.write(root);
fs.rmSync(path.join(out, 'icons'), { recursive: true, force: true });
fs.cpSync(path.join(root, 'icons'), path.join(out, 'icons'), { recursive: true });

// The commands (package.json "bin") run as they are, e.g. ./dist/cli/main.js, not only through npm's links.
for (const bin of Object.values(require('../package.json').bin)) fs.chmodSync(path.join(root, bin), 0o755);
