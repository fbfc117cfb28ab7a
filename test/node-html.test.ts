'use strict';
/**
 * The editor and help HTML are made at build (scripts/node-html.js) from sources that write each shared block once
 * (scripts/templates.js): form rows in src/nodes/_shared, help in src/nodes/help/<lang>/_shared. Here: the template
 * language does what it says and refuses what it cannot fill; the built files are what the sources make; each shared
 * block is written in one place only, is shared, and stands in every file that includes it, in both languages.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import 'should';
import { renderFile, renderInclude } from '../scripts/templates';
import nodeHtml = require('../scripts/node-html');

const ROOT = path.join(__dirname, '..');
const NODES = path.join(ROOT, 'src', 'nodes');
const LANGS = ['en-US', 'uk'];

/** The text with every run of white space as one space: HTML outside <pre> reads the same. */
const fold = (text) => text.replace(/\s+/g, ' ').trim();
const htmlIn = (dir) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .map((f) => path.join(dir, f));
const sharedDirs = () => [path.join(NODES, '_shared'), ...LANGS.map((lang) => path.join(NODES, 'help', lang, '_shared'))];
/** Every source file: the nodes' editor HTML, their help in each language, and the shared blocks. */
const sources = () => [...htmlIn(NODES), ...LANGS.flatMap((lang) => htmlIn(path.join(NODES, 'help', lang))), ...sharedDirs().flatMap(htmlIn)];

describe('editor and help HTML: the template language (scripts/templates.js)', () => {
  let dir;
  const write = (name, text) => {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-ecr-templates-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('includes a shared file with its values and defaults, indented as the tag; notes are left out; {{type}} everywhere', () => {
    write(
      '_shared/row.html',
      '{{! a note }}\n<div class="{{class=form-row}}">\n    <b data-i18n="{{type}}.label.{{field}}"></b>{{> inner}}\n</div>\n',
    );
    write('_shared/inner.html', '<i>{{type}}</i>\n');
    const file = write(
      'node.html',
      '<form>\n    {{> row field="units"}}\n    {{> row field="busy" class="form-row x"}}\n    <p>{{> inner}} and more</p>\n</form>\n',
    );
    renderFile(file, { type: 'ssi-x' }).should.equal(
      [
        '<form>',
        '    <div class="form-row">',
        '        <b data-i18n="ssi-x.label.units"></b><i>ssi-x</i>',
        '    </div>',
        '    <div class="form-row x">',
        '        <b data-i18n="ssi-x.label.busy"></b><i>ssi-x</i>',
        '    </div>',
        '    <p><i>ssi-x</i> and more</p>',
        '</form>',
        '',
      ].join('\n'),
    );
    // JavaScript in an editor file keeps its braces.
    const script = '<script>\nvar d = { a: { b: 1 }};\nif (x) { y(); }}\n</script>\n';
    renderFile(write('script.html', script), { type: 'ssi-x' }).should.equal(script);
    renderInclude(path.join(dir, '_shared', 'row.html'), 'ssi-y', { field: 'receipt' }).should.equal(
      '<div class="form-row">\n    <b data-i18n="ssi-y.label.receipt"></b><i>ssi-y</i>\n</div>\n',
    );
  });

  it('refuses what it cannot fill, naming the file: no such block, no value, a value nothing uses, an include of itself, a stray brace', () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['{{> missing}}', {}, /node\.html:1: \{\{> missing\}\}: no .*_shared\/missing\.html/],
      ['{{> row}}', { 'row.html': '<b>{{field}}</b>' }, /row\.html:1: \{\{field\}\} has no value and no default/],
      ['{{> row field="a" feild="b"}}', { 'row.html': '<b>{{field}}</b>' }, /row\.html: given feild, which it does not use/],
      ['{{> row field="a" field="b"}}', { 'row.html': '<b>{{field}}</b>' }, /gives field twice/],
      ['{{> row field=a}}', { 'row.html': '<b>{{field}}</b>' }, /cannot read "field=a" \(values are key="value"\)/],
      ['{{> loop}}', { 'loop.html': '{{> loop}}' }, /node\.html > loop\.html > loop\.html: an include of itself/],
      ['<p>{{ type </p>', {}, /node\.html: a stray \{\{ is left in the output/],
    ];
    for (const [source, shared, error] of cases) {
      for (const [name, text] of Object.entries(shared)) write(`_shared/${name}`, text);
      (() => renderFile(write('node.html', source), { type: 'ssi-x' })).should.throw(error, source);
      fs.rmSync(path.join(dir, '_shared'), { recursive: true, force: true });
    }
  });
});

describe('editor and help HTML: the built files and the shared blocks', () => {
  const generated = nodeHtml.nodeHtml();

  it('dist/ holds exactly the files the sources make, as they make them now (none stale, none left over)', () => {
    nodeHtml.stale().should.eql([], 'run npm run build');
    nodeHtml.languages().should.eql(LANGS);
    // Every node type has its editor file and its help in each language.
    for (const type of nodeHtml.types()) {
      generated
        .filter((f) => f.type === type)
        .map((f) => f.lang)
        .sort()
        .should.eql([null, ...LANGS].sort(), type);
    }
    const built = [...htmlIn(path.join(ROOT, 'dist', 'nodes')), ...LANGS.flatMap((lang) => htmlIn(path.join(ROOT, 'dist', 'nodes', 'locales', lang)))]
      .map((f) => path.relative(ROOT, f))
      .sort();
    built.should.eql(generated.map((f) => f.out).sort());
    // Help comes from src/nodes/help only: src/nodes/locales holds the message catalogues.
    for (const lang of LANGS)
      fs.readdirSync(path.join(NODES, 'locales', lang))
        .filter((f) => !f.endsWith('.json'))
        .should.eql([]);
  });

  it('a shared block is written in one place: no other source holds a copy of it, whatever its values', () => {
    const all = sources();
    const texts = Object.fromEntries(all.map((f) => [f, fold(fs.readFileSync(f, 'utf8'))]));
    const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const shared of sharedDirs().flatMap(htmlIn)) {
      // The block as a pattern: its text, with any value where it has a {{value}} and any text where it includes one.
      const block = fold(fs.readFileSync(shared, 'utf8').replace(/\{\{![\s\S]*?\}\}/g, ''));
      const pattern = new RegExp(
        block
          .split(/(\{\{>?[\s\S]*?\}\})/)
          .map((part, i) => {
            if (i % 2 === 0) return escape(part);
            return part.startsWith('{{>') ? '.*?' : '[^<>]*?';
          })
          .join(''),
      );
      for (const other of all.filter((f) => f !== shared)) {
        const copy = pattern.exec(texts[other]);
        (copy === null).should.be.true(
          `${path.relative(ROOT, other)} holds a copy of ${path.relative(ROOT, shared)}: "${copy && copy[0].slice(0, 100)}…"`,
        );
      }
    }
  });

  it('every shared block is shared (in two built files or more) and stands, filled in, in every built file that includes it', () => {
    const users = {};
    for (const file of generated) {
      const text = fold(file.text);
      for (const { file: shared, params } of file.includes) {
        (users[shared] = users[shared] || new Set()).add(file.out);
        text.should.containEql(
          fold(renderInclude(shared, file.type, params)),
          `${file.out}: ${path.relative(ROOT, shared)} ${JSON.stringify(params)}`,
        );
      }
    }
    for (const shared of sharedDirs().flatMap(htmlIn)) {
      const used = [...(users[shared] || [])];
      used.length.should.be.aboveOrEqual(2, `${path.relative(ROOT, shared)} is used by ${used.join(', ') || 'nothing'}`);
    }
  });

  it('English and Ukrainian help share the same blocks, and each node includes the same ones in both', () => {
    const names = (lang) =>
      htmlIn(path.join(NODES, 'help', lang, '_shared'))
        .map((f) => path.basename(f))
        .sort();
    names('uk').should.eql(names('en-US'));
    names('en-US').length.should.be.above(5);
    const includes = (lang, type) =>
      generated
        .find((f) => f.lang === lang && f.type === type)
        .includes.map((i) => path.basename(i.file))
        .sort();
    for (const type of nodeHtml.types()) includes('uk', type).should.eql(includes('en-US', type), type);
  });
});
