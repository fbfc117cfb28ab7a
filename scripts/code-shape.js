'use strict';
/**
 * The shape of the code: the longest files and the longest functions, so a change can show what it made shorter.
 *
 * `node scripts/code-shape.js [--most N] [folder…]` (default: src, 10 of each). Files are the .ts, .js and .html
 * files below the folders, counted in lines. Functions are every function-like node the TypeScript compiler finds
 * (declarations, methods, constructors, accessors, function expressions, arrow functions) in the .ts and .js files
 * and in the <script> blocks of the .html files, counted from their first line to their last; a function nested in
 * another counts on its own and within the other.
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.join(__dirname, '..');
const CODE = /\.(ts|js|html)$/;

function filesBelow(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesBelow(full));
    else if (CODE.test(entry.name)) out.push(full);
  }
  return out;
}

function lineCount(text) {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The script blocks of an editor .html file, each with the line it starts on (0-based). */
function scriptsOf(html) {
  const blocks = [];
  const open = /<script\b[^>]*>/gi;
  let match;
  while ((match = open.exec(html)) !== null) {
    if (/type\s*=\s*["']text\/(html|x-red)/i.test(match[0])) continue;
    const start = match.index + match[0].length;
    const end = html.indexOf('</script>', start);
    if (end < 0) break;
    blocks.push({ text: html.slice(start, end), firstLine: html.slice(0, start).split('\n').length - 1 });
    open.lastIndex = end;
  }
  return blocks;
}

const FUNCTION_KINDS = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
  ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.ArrowFunction,
]);

/** A name a reader finds the function by: its own, or that of what holds it (`Class.method`, `const x = () =>`). */
function nameOf(node, source) {
  const own = node.name && node.name.getText(source);
  const cls = node.parent && ts.isClassLike(node.parent) && node.parent.name ? `${node.parent.name.text}.` : '';
  if (node.kind === ts.SyntaxKind.Constructor) return `${cls}constructor`;
  if (own) return `${cls}${own}`;
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name)
    return parent.name.getText(source);
  if (parent && ts.isParenthesizedExpression(parent) && ts.isCallExpression(parent.parent)) return '(called at once)';
  if (parent && (ts.isCallExpression(parent) || ts.isNewExpression(parent)))
    return `(callback of ${ts.isNewExpression(parent) ? 'new ' : ''}${parent.expression.getText(source).slice(0, 40)})`;
  return '(anonymous)';
}

function functionsIn(text, file, firstLine, kind) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found = [];
  const visit = (node) => {
    if (FUNCTION_KINDS.has(node.kind) && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ name: nameOf(node, source), file, line: firstLine + start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function shape(folders) {
  const files = [];
  const functions = [];
  for (const folder of folders) {
    for (const full of filesBelow(path.resolve(ROOT, folder))) {
      const file = path.relative(ROOT, full);
      const text = fs.readFileSync(full, 'utf8');
      files.push({ file, lines: lineCount(text) });
      if (file.endsWith('.html')) {
        for (const block of scriptsOf(text)) functions.push(...functionsIn(block.text, file, block.firstLine, ts.ScriptKind.JS));
      } else {
        functions.push(...functionsIn(text, file, 0, file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS));
      }
    }
  }
  return { files, functions };
}

function main(argv) {
  let most = 10;
  const folders = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--most') {
      most = Number(argv[++i]);
      if (!Number.isInteger(most) || most < 1) throw new Error(`--most takes a whole number of at least 1; got ${argv[i]}`);
    } else folders.push(argv[i]);
  }
  if (folders.length === 0) folders.push('src');
  const { files, functions } = shape(folders);
  const byLines = (a, b) => b.lines - a.lines || a.file.localeCompare(b.file);
  const total = files.reduce((sum, f) => sum + f.lines, 0);
  console.log(`${files.length} files (${total} lines), ${functions.length} functions in ${folders.join(', ')}`);
  console.log(`\nThe ${most} longest files (lines):`);
  for (const f of [...files].sort(byLines).slice(0, most)) console.log(`${String(f.lines).padStart(6)}  ${f.file}`);
  console.log(`\nThe ${most} longest functions (lines):`);
  for (const f of [...functions].sort(byLines).slice(0, most)) console.log(`${String(f.lines).padStart(6)}  ${f.name}  ${f.file}:${f.line}`);
}

if (require.main === module) main(process.argv.slice(2));

module.exports = { shape };
