'use strict';
/**
 * The HTML files Node-RED and the flow library read, made from the sources in src/nodes (scripts/templates.js):
 *   src/nodes/<type>.html              → dist/nodes/<type>.html               (edit form and definition; also
 *                                                                              a plugin's editor file)
 *   src/nodes/help/<lang>/<type>.html  → dist/nodes/locales/<lang>/<type>.html (help)
 * Shared form rows are in src/nodes/_shared/, shared help in src/nodes/help/<lang>/_shared/.
 *
 * `node scripts/node-html.js --check` exits 1 when a file in dist/ is not what the sources make (build again).
 */
const fs = require('node:fs');
const path = require('node:path');
const { renderFile } = require('./templates');

const ROOT = path.join(__dirname, '..');

/** The node types of the package, as package.json names them to Node-RED. */
function types(root = ROOT) {
  return Object.keys(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))['node-red'].nodes);
}

/** The help languages: the folders of src/nodes/help but _shared. */
function languages(root = ROOT) {
  return fs
    .readdirSync(path.join(root, 'src', 'nodes', 'help'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
    .map((d) => d.name)
    .sort();
}

/** The templates in dir, by name: every .html file directly in it. */
const templates = (dir) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.html'))
        .sort()
    : [];

/**
 * Every generated file: [{ source, out, type, lang, text, includes }], out relative to root, includes the shared
 * files it used ({ file, params }, in order). Every template is rendered, a node's or any other the editor loads
 * (a plugin's), with its file name as {{type}}.
 */
function nodeHtml(root = ROOT) {
  const files = [];
  const add = (source, out, lang) => {
    const type = path.basename(source, '.html');
    const includes = [];
    const text = renderFile(source, { type }, { includes: (file, params) => includes.push({ file, params }) });
    files.push({ source, out: path.join(out, `${type}.html`), type, lang, text, includes });
  };
  const nodes = path.join(root, 'src', 'nodes');
  for (const file of templates(nodes)) add(path.join(nodes, file), path.join('dist', 'nodes'), null);
  for (const lang of languages(root)) {
    const help = path.join(nodes, 'help', lang);
    for (const file of templates(help)) add(path.join(help, file), path.join('dist', 'nodes', 'locales', lang), lang);
  }
  return files;
}

/** The generated files whose copy in dist/ is missing or differs from what the sources make now. */
function stale(root = ROOT) {
  return nodeHtml(root)
    .filter((f) => {
      const built = path.join(root, f.out);
      return !fs.existsSync(built) || fs.readFileSync(built, 'utf8') !== f.text;
    })
    .map((f) => f.out);
}

/** Writes every generated file into dist/, and removes the HTML there that no source makes any more. */
function write(root = ROOT) {
  const files = nodeHtml(root);
  const made = new Set(files.map((f) => path.join(root, f.out)));
  for (const dir of new Set(files.map((f) => path.dirname(path.join(root, f.out))))) {
    for (const old of templates(dir).map((f) => path.join(dir, f))) if (!made.has(old)) fs.rmSync(old);
  }
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f.out)), { recursive: true });
    fs.writeFileSync(path.join(root, f.out), f.text);
  }
}

module.exports = { nodeHtml, stale, write, types, languages, ROOT };

if (require.main === module && process.argv.includes('--check')) {
  const old = stale();
  if (old.length > 0) {
    console.error(`not what src/nodes makes (run npm run build):\n  ${old.join('\n  ')}`);
    process.exitCode = 1;
  }
}
