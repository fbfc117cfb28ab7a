'use strict';
/**
 * How big the editor side is: lines of the HTML sources under src/nodes (editor forms, help, shared blocks) and of
 * resources/editor.js, the longest oneditprepare of the nodes' HTML and the longest functions of the editor code.
 *
 * `node scripts/editor-size.js [dir]` measures the checkout in dir (this one by default), so that an older one can be
 * measured the same way: `git worktree add /tmp/old <commit> && node scripts/editor-size.js /tmp/old`.
 */
const fs = require('node:fs');
const path = require('node:path');

/** Every file under dir whose name ends with ext. */
function files(dir, ext) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const file = path.join(dir, d.name);
    if (d.isDirectory()) return files(file, ext);
    return d.name.endsWith(ext) ? [file] : [];
  });
}

const lines = (text) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** The index of the brace that closes the one at open, skipping strings and comments. */
function closing(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i);
      if (i === -1) return -1;
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i) + 1;
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return i;
    }
  }
  return -1;
}

/**
 * The functions of a script: { name, lines }, a name from `function name(` or `name: function (` / `name = function (`.
 * A function called where it is written, `(function () { … })()`, only wraps a module: it is left out.
 */
function functions(text, where) {
  const found = [];
  for (const m of text.matchAll(/function\s*([\w$]*)\s*\([^)]*\)\s*\{/g)) {
    const open = m.index + m[0].length - 1;
    const close = closing(text, open);
    if (close === -1) continue;
    if (/\(\s*$/.test(text.slice(0, m.index)) && /^\s*\)\s*\(/.test(text.slice(close + 1))) continue;
    const before = /([\w$]+)\s*[:=]\s*$/.exec(text.slice(text.lastIndexOf('\n', m.index) + 1, m.index));
    const name = m[1] || (before ? before[1] : '(anonymous)');
    found.push({ name: `${where} ${name}`, lines: lines(text.slice(m.index, close + 1)) });
  }
  return found;
}

/** The inline scripts of an HTML file. */
const scripts = (html) => [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');

function measure(root) {
  const nodes = path.join(root, 'src', 'nodes');
  const count = (list) => list.reduce((sum, f) => sum + lines(fs.readFileSync(f, 'utf8')), 0);
  const editorForms = files(nodes, '.html').filter((f) => path.dirname(f) === nodes);
  const all = files(nodes, '.html');
  const help = all.filter((f) => f.includes(`${path.sep}help${path.sep}`) || f.includes(`${path.sep}locales${path.sep}`));
  const shared = all.filter((f) => f.includes(`${path.sep}_shared${path.sep}`));
  const editorJs = files(path.join(root, 'resources'), '.js');
  const prepares = editorForms.flatMap((f) => functions(scripts(fs.readFileSync(f, 'utf8')), path.basename(f)))
    .filter((fn) => / oneditprepare$/.test(fn.name)).sort((a, b) => b.lines - a.lines);
  const longest = [...editorForms.flatMap((f) => functions(scripts(fs.readFileSync(f, 'utf8')), path.basename(f))),
    ...editorJs.flatMap((f) => functions(fs.readFileSync(f, 'utf8'), path.relative(root, f)))].sort((a, b) => b.lines - a.lines);
  return {
    html: {
      total: count(all),
      editorForms: count(editorForms),
      help: count(help.filter((f) => !shared.includes(f))),
      shared: count(shared),
    },
    editorJs: count(editorJs),
    longestOneditprepare: prepares[0] || null,
    longestFunctions: longest.slice(0, 5),
  };
}

module.exports = { measure, functions };

if (require.main === module) {
  const root = path.resolve(process.argv[2] || path.join(__dirname, '..'));
  const m = measure(root);
  console.log(`src/nodes/**/*.html: ${m.html.total} lines (editor forms ${m.html.editorForms}, help ${m.html.help}, shared blocks ${m.html.shared})`);
  console.log(`resources/*.js: ${m.editorJs} lines`);
  console.log(`longest oneditprepare: ${m.longestOneditprepare ? `${m.longestOneditprepare.lines} lines (${m.longestOneditprepare.name})` : 'none'}`);
  console.log('longest functions of the editor code:');
  for (const fn of m.longestFunctions) console.log(`  ${String(fn.lines).padStart(4)}  ${fn.name}`);
}
