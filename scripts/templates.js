'use strict';
/**
 * The small template language of the editor and help sources (src/nodes/<type>.html, src/nodes/help/<lang>/<type>.html):
 *
 *   {{> name key="value" …}}   the text of _shared/name.html in the folder of the file rendered (a shared file
 *                              includes from its own folder), its {{key}}s filled from the include; one include
 *                              may span several lines
 *   {{key}}  {{key=default}}   a value the include gives, else the default; {{type}} is the node's type everywhere
 *   {{! note }}                a note for whoever edits the source; it is left out of the output
 *
 * An include or a note alone on its line takes the whole line: an include indents each line it brings as the tag
 * was indented. What cannot be filled (a missing file, a value with no default, a value given that nothing uses,
 * an include of itself) throws an error that names the file and the tag; so does a `{{` left in the output (a tag
 * not closed). A `}}` alone is left as it is: the editor files hold JavaScript, where `{ a: { b: 1 }}` is common.
 */
const fs = require('node:fs');
const path = require('node:path');

// A quantified group may not match empty (so `(^[ \t]*)?` never does at column 0): hence the empty alternative.
const TAG = /(?:(^[ \t]*)|)\{\{([>!]?)([\s\S]*?)\}\}([ \t]*\n)?/gm;
const PARAM = /\s*([\w-]+)="([^"]*)"/y;

/** { name, params } of an include's text after `>`, e.g. ` row-units class="form-row x"`. */
function parseInclude(body, where) {
  const name = /^\s*([\w-]+)/.exec(body);
  if (!name) throw new Error(`${where}: an include needs a name: {{>${body}}}`);
  const params = {};
  PARAM.lastIndex = name[0].length;
  let m;
  while ((m = PARAM.exec(body)) !== null) {
    if (m[1] in params) throw new Error(`${where}: {{> ${name[1]}}} gives ${m[1]} twice`);
    params[m[1]] = m[2];
    if (PARAM.lastIndex === body.length) break;
  }
  const rest = body.slice(m ? PARAM.lastIndex : name[0].length);
  if (rest.trim() !== '') throw new Error(`${where}: {{> ${name[1]}}}: cannot read "${rest.trim()}" (values are key="value")`);
  return { name: name[1], params };
}

/** Every line of text but the empty ones, prefixed with indent. */
function indent(text, prefix) {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : prefix + line))
    .join('\n');
}

/**
 * Renders the template in file with values (type and the include's params); returns the text. includes, when
 * given, is told each shared file used: includes(file, params).
 */
function renderFile(file, values, options = {}) {
  const stack = options.stack || [];
  if (stack.includes(file)) throw new Error(`${[...stack, file].map((f) => path.basename(f)).join(' > ')}: an include of itself`);
  const text = fs.readFileSync(file, 'utf8');
  const used = new Set();
  const out = text.replace(TAG, (all, lineStart, kind, body, lineEnd, offset) => {
    const where = `${path.relative(process.cwd(), file)}:${text.slice(0, offset).split('\n').length}`;
    const alone = lineStart !== undefined && lineEnd !== undefined;
    if (kind === '!') return alone ? '' : (lineStart || '') + (lineEnd || '');
    if (kind === '>') {
      const { name, params } = parseInclude(body, where);
      const shared = path.join(options.shared || path.join(path.dirname(file), '_shared'), `${name}.html`);
      if (!fs.existsSync(shared)) throw new Error(`${where}: {{> ${name}}}: no ${path.relative(process.cwd(), shared)}`);
      if (options.includes) options.includes(shared, params);
      const inner = renderFile(
        shared,
        { type: values.type, ...params },
        { ...options, shared: path.dirname(shared), stack: [...stack, file], given: Object.keys(params) },
      ).replace(/\n$/, '');
      return alone ? `${indent(inner, lineStart)}\n` : (lineStart || '') + inner + (lineEnd || '');
    }
    const ref = /^\s*([\w-]+)(?:=([\s\S]*))?$/.exec(body);
    if (!ref) throw new Error(`${where}: cannot read {{${body}}}`);
    const [, key, fallback] = ref;
    used.add(key);
    let value = values[key];
    if (value === undefined) value = fallback;
    if (value === undefined) throw new Error(`${where}: {{${key}}} has no value and no default`);
    return (lineStart || '') + value + (lineEnd || '');
  });
  const unused = (options.given || []).filter((key) => !used.has(key));
  if (unused.length > 0) throw new Error(`${path.relative(process.cwd(), file)}: given ${unused.join(', ')}, which it does not use`);
  if (stack.length === 0 && out.includes('{{')) throw new Error(`${path.relative(process.cwd(), file)}: a stray {{ is left in the output`);
  return out;
}

/** What `{{> name params}}` brings into a source of the node type: the shared file rendered on its own. */
function renderInclude(shared, type, params = {}) {
  return renderFile(shared, { type, ...params }, { shared: path.dirname(shared), given: Object.keys(params) });
}

module.exports = { renderFile, renderInclude };
