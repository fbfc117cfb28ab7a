'use strict';
/**
 * The editor side of the nine node types: each src/nodes/<type>.html registers its type with exactly the
 * properties the runtime reads, every label it shows is a message key of its own catalogue in English and
 * Ukrainian, and each type has help in both languages. Then the real thing: the built package loaded by a
 * Node-RED 4 process the way the palette installs it, serving the editor its templates, help, messages and icons.
 */
import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');
import { execFileSync } from 'node:child_process';
import should = require('should');
import { startNodeRed, request } from './support/node-red';
import nodeHtml = require('../scripts/node-html');
import type { Wire } from './support/wire';

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src', 'nodes');
const DIST = path.join(ROOT, 'dist', 'nodes');
const LANGS = ['en-US', 'uk'];
const MODULE = '@ssi-ecr/node-red';

const TEXT = ['str', 'msg', 'flow', 'global', 'env'];
/** The contract shared with the runtime: each type's properties (with their defaults), category and outputs. */
const TYPES = {
  'ssi-terminal': {
    category: 'config',
    defaults: {
      name: '',
      transport: 'tcp',
      host: '127.0.0.1',
      port: 3000,
      httpPort: '',
      httpPath: '/',
      serialPort: '',
      baudRate: 115200,
      merchantId: '',
      currency: '980',
      polling: 'adaptive',
      pollInterval: 500,
      requestTimeout: '',
      minRequestGap: '',
      connectTimeout: 5000,
      overallTimeout: 180000,
      unackedGrace: 15000,
      allowWhileUnresolved: false,
      lrcEncoding: 'decimal',
      protocol: 'auto',
      soleEcr: false,
      probeAtDeploy: true,
      watchInterval: 60,
    },
    choices: { lrcEncoding: ['decimal', 'hex'], protocol: ['auto', '1.1', '1.4'] },
  },
  'ssi-purchase': {
    outputs: 2,
    /** With price by card on, a third: the card read. */
    ports: 3,
    defaults: {
      name: '',
      terminal: '',
      units: 'minor',
      merchantId: '',
      merchantIdType: 'str',
      currency: '',
      currencyType: 'str',
      discountedAmount: '',
      discountedAmountType: 'msg',
      busy: 'queue',
      receipt: false,
      priceByCard: false,
      cardReadTimeout: 30,
      outputs: 2,
    },
    choices: { busy: ['queue', 'refuse'] },
    typed: { merchantId: TEXT, currency: TEXT, discountedAmount: ['msg', 'flow', 'global', 'num', 'str', 'env'] },
  },
  'ssi-refund': {
    outputs: 2,
    defaults: {
      name: '',
      terminal: '',
      operation: 'Refund',
      units: 'minor',
      merchantId: '',
      merchantIdType: 'str',
      currency: '',
      currencyType: 'str',
      busy: 'queue',
      receipt: false,
    },
    choices: { operation: ['Refund', 'Void', 'PartialVoid', 'msg'], units: ['minor', 'major'], busy: ['queue', 'refuse'] },
    typed: { merchantId: TEXT, currency: TEXT },
  },
  'ssi-transaction': {
    outputs: 2,
    defaults: {
      name: '',
      terminal: '',
      method: 'Purchase',
      units: 'minor',
      merchantId: '',
      merchantIdType: 'str',
      currency: '',
      currencyType: 'str',
      busy: 'queue',
      receipt: false,
    },
    choices: { busy: ['queue', 'refuse'] },
    typed: { merchantId: TEXT, currency: TEXT },
  },
  'ssi-status': {
    outputs: 1,
    defaults: { name: '', terminal: '', mode: 'GetStatus', watch: false, interval: 30 },
    choices: { mode: ['GetStatus', 'PingDevice'] },
  },
  'ssi-report': {
    outputs: 2,
    defaults: { name: '', terminal: '', report: 'XReport', detailed: false, receipt: false, merchantId: '', merchantIdType: 'str' },
    choices: { report: ['XReport', 'ZReport', 'msg'] },
    typed: { merchantId: TEXT },
  },
  'ssi-print': {
    outputs: 1,
    defaults: { name: '', terminal: '', mode: 'xml', url: 'payload.url', urlType: 'msg', fontStyle: '' },
    choices: { mode: ['xml', 'pdf'] },
    typed: { url: TEXT },
  },
  'ssi-terminal-info': {
    outputs: 1,
    defaults: { name: '', terminal: '', what: 'info' },
    choices: { what: ['info', 'merchants', 'both'] },
  },
  'ssi-command': {
    outputs: 1,
    defaults: { name: '', terminal: '', method: 'msg' },
  },
};
const NAMES = Object.keys(TYPES);

const read = (file) => fs.readFileSync(file, 'utf8');
const catalogue = (lang, type) => JSON.parse(read(path.join(SRC, 'locales', lang, `${type}.json`)));
/** The HTML the sources make (scripts/node-html.js), by its path in dist/: what Node-RED is given. */
const GENERATED = Object.fromEntries(nodeHtml.nodeHtml().map((f) => [f.out, f.text]));
const editorHtml = (type) => GENERATED[path.join('dist', 'nodes', `${type}.html`)];
const helpHtml = (lang, type) => GENERATED[path.join('dist', 'nodes', 'locales', lang, `${type}.html`)];

/** The value at a dotted key of a catalogue (undefined when absent). */
function lookup(cat, key) {
  return key.split('.').reduce((v, part) => (v && typeof v === 'object' ? v[part] : undefined), cat);
}

/** Every leaf of a catalogue as 'a.b.c'. */
function leaves(obj, prefix = '', out: string[] = []) {
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object') leaves(v, `${prefix}${k}.`, out);
    else out.push(`${prefix}${k}`);
  }
  return out;
}

/** Splits a node's HTML into its edit template and its script. */
function parts(type) {
  const html = editorHtml(type);
  const templates = [...html.matchAll(/<script type="text\/html" data-template-name="([^"]+)">([\s\S]*?)<\/script>/g)];
  const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  return { html, templates, scripts };
}

const EDITOR_JS = path.join(ROOT, 'resources', 'editor.js');
/** How a node's HTML loads the shared editor script: a relative URL, so that any httpAdminRoot works. */
const EDITOR_TAG = '<script type="text/javascript" src="resources/@ssi-ecr/node-red/editor.js"></script>';

/**
 * Runs resources/editor.js and then the node's script against a stand-in RED, in one sandbox whose `window` is
 * the sandbox itself (as the browser's global object is); returns what it registered, and the sandbox.
 */
function load(type) {
  const calls: { name: string; def: Wire }[] = [];
  const validator = () =>
    function () {
      return true;
    };
  const RED = {
    nodes: { registerType: (name, def) => calls.push({ name, def }) },
    validators: { number: validator, regex: validator, typedInput: validator },
    _: (key) => key,
  };
  const $ = () => {
    throw new Error('the script touches the DOM while it loads');
  };
  const sandbox = vm.createContext({ RED, $, console });
  sandbox.window = sandbox;
  vm.runInContext(read(EDITOR_JS), sandbox, { filename: 'resources/editor.js' });
  for (const script of parts(type).scripts) vm.runInContext(script, sandbox, { filename: `${type}.html` });
  return { calls, sandbox };
}

/** What the node's script registered, copied into this realm. */
function registered(type) {
  // Objects made in the sandbox have its Object.prototype (no .should): copy the definition into this realm.
  return load(type).calls.map(({ name, def }) => ({
    name,
    def: { ...def, defaults: Object.fromEntries(Object.entries<Wire>(def.defaults).map(([k, v]) => [k, { ...v }])) },
  }));
}

/**
 * Opens the node's edit form against a stand-in jQuery that does nothing but record the TypedInputs made
 * (selector and options), the method pickers set up (their options) and the element properties set (selector,
 * name, value): { typedInputs, pickers, hintKeys, props }, with the keys a picker reads under its hint stem. The
 * node has the editor's defaults, or `saved` in their place (a property set undefined: saved without it).
 */
function editForm(type, saved = {}) {
  const { calls, sandbox } = load(type);
  const typedInputs: Wire[] = [];
  const pickers: Wire[] = [];
  const props: Wire[] = [];
  const element = (selector) =>
    new Proxy(
      {},
      {
        get(target, prop) {
          if (prop === 'length') return 0;
          if (prop === Symbol.toPrimitive) return () => '';
          if (prop === 'typedInput') return (options) => typedInputs.push({ selector, options: { ...options, types: [...options.types] } });
          if (prop === 'prop')
            return (name, value) => {
              if (value !== undefined) props.push({ selector, name, value });
              return element(selector);
            };
          return () => element(selector);
        },
      },
    );
  sandbox.$ = Object.assign((selector) => element(selector), { ajax: () => element('ajax') });
  const hintKeys = [...sandbox.SsiEcrEditor.methodPicker.hints];
  sandbox.SsiEcrEditor.methodPicker = (node, options) => pickers.push(options);
  const def = calls[0].def;
  const node = { ...Object.fromEntries(Object.entries<Wire>(def.defaults).map(([k, v]) => [k, v.value])), ...saved, id: 'n1', _: (key) => key };
  if (def.oneditprepare) def.oneditprepare.call(node);
  return { typedInputs, pickers, hintKeys, props };
}

/** `this` for a definition's label functions: the node's settings and a _() over the given catalogue. */
function labelContext(type, lang, settings) {
  const cat = catalogue(lang, type);
  return {
    ...settings,
    _: (key, values = {}) => {
      const text = lookup(cat, key);
      return typeof text === 'string' ? text.replace(/__(\w+)__/g, (m, k) => (k in values ? String(values[k]) : m)) : key;
    },
  };
}

/** The message keys a node's HTML uses: { own: keys of its catalogue, prefixes: dynamic key stems }. */
function keysUsed(type) {
  const { templates, scripts } = parts(type);
  const own = new Set();
  const prefixes = new Set();
  const foreign: Wire[] = [];
  const add = (key) => {
    const i = key.indexOf(':');
    if (i === -1) return own.add(key);
    if (key.slice(0, i) === `${MODULE}/${type}`) return own.add(key.slice(i + 1));
    foreign.push(key);
  };
  for (const t of templates) {
    for (const m of t[2].matchAll(/data-i18n="([^"]+)"/g)) {
      for (const part of m[1].split(';')) add(part.replace(/^\[[^\]]+\]/, ''));
    }
  }
  const js = scripts.join('\n');
  const ns = /var NS = '([^']+)'/.exec(js);
  // Keys given to _() directly, or picked in an expression (a ? 'x.a' : 'x.b'); a literal ending in '.' is a stem.
  for (const m of js.matchAll(/(?:this|node|RED)\._\(\s*(['"])([^'"]+)\1\s*[,)]/g)) add(m[2]);
  for (const m of js.matchAll(new RegExp(`(['"])(${type}\\.[\\w.-]*)\\1`, 'g'))) {
    if (m[2].endsWith('.svg')) continue;
    if (m[2].endsWith('.')) prefixes.add(m[2].slice(0, -1));
    else add(m[2]);
  }
  // The node's dialog, in resources/editor.js, names its keys there.
  for (const m of read(EDITOR_JS).matchAll(new RegExp(`(['"])(${type}\\.[\\w.-]*)\\1`, 'g'))) {
    if (m[2].endsWith('.')) prefixes.add(m[2].slice(0, -1));
    else add(m[2]);
  }
  for (const m of js.matchAll(/RED\._\(\s*NS\s*\+\s*(['"])([^'"]+)\1\s*[,)]/g)) {
    if (!ns) throw new Error(`${type}: RED._(NS + ...) without var NS`);
    add(ns[1] + m[2]);
  }
  return { own: [...own], prefixes: [...prefixes], foreign, ns: ns && ns[1] };
}

/** The <li> items of a list, without those of lists nested in them. */
function topLevelItems(html) {
  const items: Wire[] = [];
  let depth = 0;
  let start = -1;
  for (const m of html.matchAll(/<(\/?)(ul|ol|li)\b[^>]*>/g)) {
    const [tag, close, name] = m;
    if (name === 'li' && !close && depth === 0) start = m.index + tag.length;
    else if (name === 'li' && close && depth === 0 && start >= 0) {
      items.push(html.slice(start, m.index));
      start = -1;
    } else if (name !== 'li') depth += close ? -1 : 1;
  }
  return items;
}

describe('editor: node definitions (src/nodes/*.html, as the build makes them)', () => {
  for (const type of NAMES) {
    const spec = TYPES[type];
    describe(type, () => {
      it("has one edit template and registers exactly this type, in its category, with exactly the contract's properties", () => {
        const { templates } = parts(type);
        templates.map((t) => t[1]).should.eql([type]);
        const calls = registered(type);
        calls.map((c) => c.name).should.eql([type]);
        const def = calls[0].def;
        def.category.should.equal(spec.category || 'SSI ECR');
        Object.keys(def.defaults).sort().should.eql(Object.keys(spec.defaults).sort());
        for (const [prop, value] of Object.entries(spec.defaults)) def.defaults[prop].value.should.eql(value, `${type}.${prop}`);
        if (type === 'ssi-terminal') return;
        def.defaults.terminal.should.match({ type: 'ssi-terminal', required: true });
        def.inputs.should.equal(1);
        def.outputs.should.equal(spec.outputs);
        def.color.should.equal('#A6D6A0');
      });

      it('has a form field for every property, and its icon exists', () => {
        const { templates } = parts(type);
        const prefix = type === 'ssi-terminal' ? 'node-config-input' : 'node-input';
        for (const prop of Object.keys(spec.defaults))
          templates[0][2].should.match(new RegExp(`id="${prefix}-${prop}"`), `${type}: no field for ${prop}`);
        for (const [field, choices] of Object.entries(spec.choices || {})) {
          const select = new RegExp(`<select id="${prefix}-${field}"[^>]*>([\\s\\S]*?)</select>`).exec(templates[0][2]);
          should(select).be.ok();
          [...select![1].matchAll(/value="([^"]+)"/g)].map((m) => m[1]).should.eql(choices);
        }
        const def = registered(type)[0].def;
        fs.existsSync(path.join(ROOT, 'icons', def.icon)).should.be.true(`icons/${def.icon}`);
        read(path.join(ROOT, 'icons', def.icon)).should.match(/viewBox="0,? 0,? 40,? 60"/);
      });

      it('loads the shared editor script, by its relative URL, before its own script', () => {
        const { html } = parts(type);
        const inline = html.indexOf('<script type="text/javascript">');
        if (/SsiEcrEditor/.test(html)) html.indexOf(EDITOR_TAG).should.be.within(0, inline, `${type}.html: ${EDITOR_TAG} before its script`);
        html.split(EDITOR_TAG).length.should.be.belowOrEqual(2);
      });

      it("makes TypedInputs of exactly its typed properties, with the contract's types and default type", () => {
        const { typedInputs } = editForm(type);
        const made = Object.fromEntries(typedInputs.map((t) => [t.selector, t.options]));
        Object.keys(made)
          .sort()
          .should.eql(
            Object.keys(spec.typed || {})
              .map((field) => `#node-input-${field}`)
              .sort(),
          );
        for (const [field, types] of Object.entries(spec.typed || {})) {
          made[`#node-input-${field}`].should.eql(
            { default: spec.defaults[`${field}Type`], types, typeField: `#node-input-${field}Type` },
            `${type}: ${field}`,
          );
        }
      });

      it('shows only message keys that exist in its English and Ukrainian catalogues', () => {
        const { own, prefixes, foreign, ns } = keysUsed(type);
        foreign.should.eql([], 'keys of other catalogues');
        if (ns) ns.should.equal(`${MODULE}/${type}:`);
        own.length.should.be.above(5);
        for (const lang of LANGS) {
          const cat = catalogue(lang, type);
          for (const key of own) (typeof lookup(cat, key)).should.equal('string', `${lang}/${type}.json has no ${key}`);
          for (const stem of prefixes) (typeof lookup(cat, stem)).should.equal('object', `${lang}/${type}.json has no ${stem}.*`);
        }
        // The method picker reads its hints under the stem the node gives it, and the other keys it is given.
        const { pickers, hintKeys } = editForm(type);
        pickers.length.should.equal(['ssi-transaction', 'ssi-command'].includes(type) ? 1 : 0);
        for (const picker of pickers) {
          const keys = [picker.language, ...hintKeys.map((k) => picker.hints + k), ...(picker.noParams ? [picker.noParams] : [])];
          picker.hints.should.startWith(`${type}.`);
          for (const lang of LANGS)
            for (const key of keys) (typeof lookup(catalogue(lang, type), key)).should.equal('string', `${lang}/${type}.json has no ${key}`);
        }
        // No label typed into the form itself: text nodes of the template are whitespace (or 8N1, a unit sign).
        const text = parts(type)
          .templates[0][2].replace(/<datalist[\s\S]*?<\/datalist>/g, '')
          .replace(/<[^>]+>/g, '\n')
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean);
        text.filter((s) => !/^(8N1)$/.test(s)).should.eql([]);
      });

      it('has the same keys, with the same __placeholders__, in English and Ukrainian; the Ukrainian is Ukrainian', () => {
        const en = catalogue('en-US', type);
        const uk = catalogue('uk', type);
        Object.keys(en).should.eql([type]);
        leaves(uk).sort().should.eql(leaves(en).sort());
        const marks = (s) => (s.match(/__\w+__/g) || []).sort();
        for (const key of leaves(en)) marks(lookup(uk, key)).should.eql(marks(lookup(en, key)), key);
        // Most Ukrainian texts are in Cyrillic (method names, codes and units may be the same in both).
        const cyrillic = leaves(uk).filter((k) => /[а-яіїєґ]/i.test(lookup(uk, k)));
        (cyrillic.length / leaves(uk).length).should.be.above(0.6);
      });

      it('labels itself from its catalogue (palette, node, ports)', () => {
        const def = registered(type)[0].def;
        for (const lang of LANGS) {
          const settings = Object.fromEntries(Object.entries(spec.defaults));
          const ctx = labelContext(type, lang, settings);
          const palette = def.paletteLabel.call(ctx);
          palette.should.be.a.String().and.not.match(/\./);
          def.label.call(ctx).should.be.a.String().and.not.be.empty();
          def.label.call({ ...ctx, name: 'My node' }).should.equal('My node');
          if (type === 'ssi-terminal') continue;
          for (let i = 0; i < (spec.ports || spec.outputs); i++)
            def.outputLabels
              .call(ctx, i)
              .should.be.a.String()
              .and.not.match(new RegExp(`^${type}\\.`));
          def.inputLabels
            .call(ctx, 0)
            .should.be.a.String()
            .and.not.match(new RegExp(`^${type}\\.`));
        }
        if (type === 'ssi-purchase') {
          def.label.call(labelContext(type, 'en-US', {})).should.equal('POS card payment');
          const ctx = labelContext(type, 'en-US', {});
          [0, 1, 2].map((i) => def.outputLabels.call(ctx, i)).should.eql(['approved', 'not approved', 'card read']);
        }
        if (type === 'ssi-transaction') {
          // Not "Purchase" beside the purchase node: the label says it is a transaction node, with its method.
          def.label.call(labelContext(type, 'en-US', { method: 'Purchase' })).should.equal('transaction: Purchase');
          def.label.call(labelContext(type, 'uk', { method: 'CashBack' })).should.equal('операція: CashBack');
          def.label.call(labelContext(type, 'en-US', { method: 'msg' })).should.equal('POS card transaction');
        }
        if (type === 'ssi-report') {
          def.label.call(labelContext(type, 'en-US', { report: 'ZReport' })).should.equal('Z report');
          def.label.call(labelContext(type, 'uk', { report: 'XReport' })).should.equal('X-звіт');
        }
        if (type === 'ssi-terminal') {
          def.label.call(labelContext(type, 'en-US', spec.defaults)).should.equal('127.0.0.1:3000');
          def.label.call(labelContext(type, 'en-US', { ...spec.defaults, transport: 'http' })).should.equal('http://127.0.0.1:3001/');
          def.label
            .call(labelContext(type, 'en-US', { ...spec.defaults, transport: 'serial', serialPort: '/dev/ttyACM0' }))
            .should.equal('/dev/ttyACM0');
        }
      });

      it('has help in English and Ukrainian, in the help style, describing every output', () => {
        for (const lang of LANGS) {
          const help = helpHtml(lang, type);
          (typeof help).should.equal('string', `no src/nodes/help/${lang}/${type}.html`);
          help.should.match(new RegExp(`^<script type="text/html" data-help-name="${type}">[\\s\\S]*</script>\\s*$`));
          help.should.match(/^\s*<script[^>]*>\s*<p>/, 'starts with a summary paragraph');
          help.should.match(/<h3>/);
          if (lang === 'uk') help.replace(/<[^>]+>|<code>[\s\S]*?<\/code>/g, '').should.match(/[а-яіїєґ]{4}/i);
          if (type === 'ssi-terminal') continue;
          help.should.match(/<dl class="message-properties">/);
          const sections = help.split(/<h3>/);
          sections.length.should.be.aboveOrEqual(5, 'inputs, outputs, details, example');
          const outputs = sections[2];
          const def = registered(type)[0].def;
          const ctx = labelContext(type, lang, TYPES[type].defaults);
          if (TYPES[type].outputs === 2) {
            const ports = /<ol class="node-ports">([\s\S]*?)<\/ol>/.exec(outputs);
            (ports !== null).should.be.true(`${lang}/${type}.html: outputs as <ol class="node-ports">`);
            const items = topLevelItems(ports![1]);
            items.length.should.equal(TYPES[type].ports || 2);
            items.forEach((item, i) => item.toLowerCase().should.containEql(def.outputLabels.call(ctx, i).toLowerCase()));
            items.forEach((item) => item.should.match(/<dt>payload/));
          } else {
            outputs.should.match(/<dl class="message-properties">[\s\S]*<dt>(payload|ecr)/);
          }
        }
      });
    });
  }

  it("each dialog's logic is a named function of resources/editor.js: oneditprepare is one call to it", () => {
    const api = load('ssi-purchase').sandbox.SsiEcrEditor;
    for (const type of NAMES) {
      const { def } = registered(type)[0];
      if (!def.oneditprepare) continue;
      const body = /^function \(\) \{\s*([\s\S]*?)\s*\}$/.exec(def.oneditprepare.toString())![1];
      body.should.match(/^(ssi\.\w+Dialog|dialog\.prepare)\(this\);$/, type);
      const name = type === 'ssi-terminal' ? 'terminalDialog' : /^ssi\.(\w+)\(/.exec(body)![1];
      (typeof (name === 'terminalDialog' ? api.terminalDialog.prepare : api[name])).should.equal('function', `${type}: ${name}`);
    }
  });

  it('paying nodes: busy is queue or refuse, and a node saved before the setting existed is valid (it queues)', () => {
    for (const type of ['ssi-purchase', 'ssi-refund', 'ssi-transaction']) {
      const { busy, receipt } = load(type).calls[0].def.defaults;
      [busy.value, receipt.value].should.eql(['queue', false]);
      for (const value of ['queue', 'refuse', undefined]) busy.validate.call({}, value).should.be.true(`${type} ${value}`);
      for (const value of ['', 'Refuse', 'wait', 1]) busy.validate.call({}, value).should.be.false(`${type} ${value}`);
    }
  });

  it('ssi-terminal: the LRC encoding takes decimal or hex, and a configuration saved before it had one', () => {
    const { calls } = load('ssi-terminal');
    const { validate } = calls[0].def.defaults.lrcEncoding;
    for (const value of ['decimal', 'hex', undefined]) validate.call({}, value).should.be.true(String(value));
    for (const value of ['Hex', 'octal', '', 16]) validate.call({}, value).should.be.false(String(value));
    // Asked for a message, it names the key of the rule (the stand-in RED._ returns the key).
    validate.call({}, 'octal', {}).should.equal('@ssi-ecr/node-red/ssi-terminal:ssi-terminal.validation.lrcEncoding');
  });

  it('ssi-terminal: the protocol is auto, 1.1 or 1.4 (none saved: auto); timeouts left blank follow the firmware', () => {
    const { calls } = load('ssi-terminal');
    const { protocol, requestTimeout, minRequestGap } = calls[0].def.defaults;
    for (const value of ['auto', '1.1', '1.4', undefined]) protocol.validate.call({}, value).should.be.true(String(value));
    for (const value of ['1.3', 'AUTO', '', 1.4]) protocol.validate.call({}, value).should.be.false(String(value));
    protocol.validate.call({}, '2', {}).should.equal('@ssi-ecr/node-red/ssi-terminal:ssi-terminal.validation.protocol');
    // The stand-in RED.validators.number accepts anything: the range and whole-number rules are the setting's own.
    for (const [setting, good, bad] of [
      [requestTimeout, ['', '100', '15000'], ['99', '600001', '1.5', 'x']],
      [minRequestGap, ['', '0', '250'], ['10001', '-1', '2.5']],
    ]) {
      for (const v of good) setting.validate.call({}, v).should.be.true(v);
      for (const v of bad) setting.validate.call({}, v).should.be.false(v);
    }
  });

  it('ssi-terminal: watch every 0 (never) to 86400 whole seconds, blank for 60; a configuration saved without "contact at deploy" opens ticked', () => {
    const { calls } = load('ssi-terminal');
    const { watchInterval } = calls[0].def.defaults;
    for (const v of ['', '0', '1', '60', '86400']) watchInterval.validate.call({}, v).should.be.true(v);
    for (const v of ['-1', '86401', '1.5', 'x']) watchInterval.validate.call({}, v).should.be.false(v);
    const ticked = (saved) => editForm('ssi-terminal', saved).props.filter((p) => p.selector === '#node-config-input-probeAtDeploy');
    ticked({ probeAtDeploy: undefined }).should.eql([{ selector: '#node-config-input-probeAtDeploy', name: 'checked', value: true }]);
    // Saved either way, the box shows what was saved (Node-RED sets it from the node before oneditprepare).
    ticked({ probeAtDeploy: false }).should.eql([]);
    ticked({ probeAtDeploy: true }).should.eql([]);
  });

  it("the method pickers offer what the catalogue has: later firmware's methods in ssi-command, marked; financial ones in ssi-transaction", () => {
    const { METHODS, METHOD_NAMES } = require('../dist/core');
    // As the runtime serves them (GET ssi-ecr/catalogue): plain JSON.
    const served = JSON.parse(JSON.stringify(METHOD_NAMES.map((name) => METHODS[name])));
    const [command] = editForm('ssi-command').pickers;
    (command.offer === undefined).should.be.true();
    const groups = command.groups(served);
    const additional = groups.find((g) => g.label === 'additional').methods.map((m) => m.name);
    additional.should.containDeep(['GetResultByUid', 'GetMerchantListDetailed']);
    [...groups.flatMap((g) => g.methods.map((m) => m.name))].sort().should.eql([...METHOD_NAMES].sort());
    command.details(served.find((m) => m.name === 'GetResultByUid')).should.containEql('ssi-command.hint.later');
    command.details(served.find((m) => m.name === 'GetLastResult')).should.not.containEql('ssi-command.hint.later');
    const [transaction] = editForm('ssi-transaction').pickers;
    served
      .filter(transaction.offer)
      .map((m) => m.name)
      .should.eql(served.filter((m) => m.group === 'financial').map((m) => m.name));
  });

  it('ssi-purchase: price by card gives the node its third output, and a wait from 1 to 120 s', () => {
    const { calls, sandbox } = load('ssi-purchase');
    const { cardReadTimeout } = calls[0].def.defaults;
    for (const v of ['', '1', '30', '120']) cardReadTimeout.validate.call({}, v).should.be.true(v);
    for (const v of ['0', '121', '2.5', 'x']) cardReadTimeout.validate.call({}, v).should.be.false(v);
    // The edit form against a stand-in jQuery that keeps the checkbox, the hidden outputs field and the rows shown.
    const form = { checked: false, outputs: undefined, shown: undefined, onChange: [] as (() => void)[] };
    const element = (selector) =>
      new Proxy(
        {},
        {
          get(target, prop) {
            if (prop === 'length') return 1;
            if (prop === 'on') return (event, fn) => (selector === '#node-input-priceByCard' && form.onChange.push(fn), element(selector));
            if (prop === 'prop') return (name) => (selector === '#node-input-priceByCard' && name === 'checked' ? form.checked : undefined);
            if (prop === 'val') return (v) => (selector === '#node-input-outputs' && v !== undefined ? (form.outputs = v) : '');
            if (prop === 'toggle') return (on) => (selector === '.ssi-purchase-card-read' ? (form.shown = on) : undefined);
            return () => element(selector);
          },
        },
      );
    sandbox.$ = element;
    const def = calls[0].def;
    def.oneditprepare.call({ ...Object.fromEntries(Object.entries<Wire>(def.defaults).map(([k, v]) => [k, v.value])), _: (key) => key });
    [form.outputs, form.shown].should.eql([2, false]);
    form.checked = true;
    form.onChange.forEach((fn) => fn());
    [form.outputs, form.shown].should.eql([3, true]);
  });

  it('palette search: "payment", "card", "pos" and "terminal" find the nodes; no label is a core node\'s', () => {
    // Node-RED's palette filter (palette.js refreshFilter) tests the type and the palette label, case-insensitive.
    const core = [
      'inject',
      'debug',
      'complete',
      'catch',
      'status',
      'link in',
      'link call',
      'link out',
      'comment',
      'function',
      'switch',
      'change',
      'range',
      'template',
      'delay',
      'trigger',
      'exec',
      'filter',
      'mqtt in',
      'mqtt out',
      'http in',
      'http response',
      'http request',
      'websocket in',
      'websocket out',
      'tcp in',
      'tcp out',
      'tcp request',
      'udp in',
      'udp out',
      'csv',
      'html',
      'json',
      'xml',
      'yaml',
      'split',
      'join',
      'sort',
      'batch',
      'file',
      'file in',
      'watch',
      'junction',
    ];
    const palette = NAMES.filter((type) => TYPES[type].category !== 'config');
    for (const lang of LANGS) {
      const labels = Object.fromEntries(
        palette.map((type) => [type, registered(type)[0].def.paletteLabel.call(labelContext(type, lang, TYPES[type].defaults))]),
      );
      const found = (term) => palette.filter((type) => new RegExp(term, 'i').test(type) || new RegExp(term, 'i').test(labels[type]));
      found('pos').should.eql(palette, `${lang}: "pos" finds every node`);
      for (const type of palette) core.includes(labels[type].toLowerCase()).should.be.false(`${lang}: ${type} is labelled like a core node`);
      if (lang !== 'en-US') continue;
      found('card').should.eql(['ssi-purchase', 'ssi-refund', 'ssi-transaction']);
      found('payment').should.eql(['ssi-purchase']);
      found('terminal').should.eql(palette.filter((t) => !['ssi-purchase', 'ssi-refund', 'ssi-transaction'].includes(t)));
    }
  });

  it('ssi-terminal dialog: Test connection right after the connection settings; polling and timeouts in a collapsed Advanced section', () => {
    const template = parts('ssi-terminal').templates[0][2];
    const at = (id) => {
      const i = template.indexOf(`id="${id}"`);
      i.should.be.aboveOrEqual(0, id);
      return i;
    };
    at('node-config-ssi-terminal-test').should.be.above(at('node-config-input-baudRate'));
    at('node-config-ssi-terminal-test').should.be.below(at('node-config-input-merchantId'));
    const advanced = /<div class="ssi-terminal-advanced" style="display:none;">([\s\S]*?)\n {4}<\/div>\n/.exec(template);
    (advanced !== null).should.be.true('a collapsed Advanced section');
    const inside = [...advanced![1].matchAll(/id="node-config-input-(\w+)"/g)].map((m) => m[1]);
    inside.should.eql([
      'polling',
      'pollInterval',
      'requestTimeout',
      'minRequestGap',
      'connectTimeout',
      'overallTimeout',
      'unackedGrace',
      'lrcEncoding',
    ]);
    at('node-config-ssi-terminal-advanced-toggle').should.be.below(template.indexOf('<div class="ssi-terminal-advanced"'));
    // Every setting of the node is still in the form, once.
    for (const key of Object.keys(TYPES['ssi-terminal'].defaults)) template.split(`id="node-config-input-${key}"`).length.should.equal(2, key);
  });

  it('the shared status texts are kept in both languages', () => {
    for (const lang of LANGS) {
      const t = catalogue(lang, 'ssi-terminal')['ssi-terminal'];
      Object.keys(t.status).should.containDeep([
        'unknown',
        'connecting',
        'connected',
        'disconnected',
        'sending',
        'no-config',
        'config-error',
        'unresolved',
        'S00',
        'S01',
        'S02',
        'S03',
        'S04',
        'S05',
        'S06',
        'S07',
        'S08',
        'priceByCard',
      ]);
      t.errors['no-config'].should.be.a.String();
    }
  });

  it("every icon is white on transparent, in the 40×60 frame of Node-RED's own icons", () => {
    const icons = fs.readdirSync(path.join(ROOT, 'icons')).filter((f) => f.endsWith('.svg'));
    icons.length.should.be.aboveOrEqual(NAMES.length);
    for (const icon of icons) {
      const svg = read(path.join(ROOT, 'icons', icon));
      svg.should.match(/^<svg width="40" height="60" viewBox="0 0 40 60" xmlns="http:\/\/www.w3.org\/2000\/svg">/);
      const colours = [...svg.matchAll(/(?:fill|stroke)="(#[0-9a-fA-F]+)"/g)].map((m) => m[1].toLowerCase());
      colours.filter((c) => c !== '#fff' && c !== '#000').should.eql([], `${icon}: only white (black only inside a mask)`);
    }
  });
});

describe('editor: the package in a real Node-RED 4', function () {
  this.timeout(120000);
  let red;

  before(async () => {
    // `npm test` builds first; a bare `mocha` run after an edit builds here, so the check is never stale.
    const stale =
      nodeHtml.stale().length > 0 ||
      NAMES.some(
        (type) =>
          !fs.existsSync(path.join(DIST, `${type}.js`)) ||
          LANGS.some((lang) => {
            const built = path.join(DIST, 'locales', lang, `${type}.json`);
            return !fs.existsSync(built) || read(built) !== read(path.join(SRC, 'locales', lang, `${type}.json`));
          }),
      );
    if (stale) execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    red = await startNodeRed();
  });

  after(async () => {
    if (red) {
      const userDir = red.userDir;
      await red.stop();
      fs.existsSync(userDir).should.be.false();
    }
  });

  it('lists all nine types, enabled and loaded without an error', async () => {
    const res = await request(`${red.url}/nodes`, { headers: { Accept: 'application/json' } });
    res.status.should.equal(200);
    const ours = res.body.filter((set) => set.module === MODULE);
    const types = ours.flatMap((set) => set.types);
    types.sort().should.eql([...NAMES].sort(), red.output());
    for (const set of ours) {
      set.enabled.should.be.true();
      (set.err === undefined).should.be.true(`${set.id}: ${set.err}`);
    }
  });

  it('serves every edit template, definition and English help to the editor', async () => {
    const res = await request(`${red.url}/nodes`, { headers: { Accept: 'text/html', 'Accept-Language': 'en-US' } });
    res.status.should.equal(200);
    for (const type of NAMES) {
      res.body.should.containEql(`data-template-name="${type}"`);
      res.body.should.containEql(`RED.nodes.registerType('${type}'`);
      res.body.should.containEql(`data-help-name="${type}"`);
    }
    res.body.should.containEql('Takes a card payment on the terminal');
  });

  it('serves the Ukrainian help to a Ukrainian editor (uk and uk-UA)', async () => {
    for (const lang of ['uk', 'uk-UA']) {
      const res = await request(`${red.url}/nodes`, { headers: { Accept: 'text/html', 'Accept-Language': lang } });
      res.body.should.containEql('Проводить оплату карткою на терміналі');
      res.body.should.containEql('Вхідні дані');
    }
  });

  it("serves each node's messages in English and Ukrainian", async () => {
    const uk = await request(`${red.url}/locales/${MODULE}/ssi-purchase?lng=uk`, { headers: { Accept: 'application/json' } });
    uk.status.should.equal(200);
    uk.body['ssi-purchase'].label.units.should.equal('Сума в');
    uk.body['ssi-purchase'].outputs.should.eql({ approved: 'схвалено', notApproved: 'не схвалено', cardRead: 'картку зчитано' });
    const en = await request(`${red.url}/locales/${MODULE}/ssi-purchase?lng=en-US`, { headers: { Accept: 'application/json' } });
    en.body['ssi-purchase'].units.should.eql({ minor: 'kopecks (2450)', major: 'hryvnias (24.50)' });
    for (const type of NAMES) {
      const res = await request(`${red.url}/locales/${MODULE}/${type}?lng=uk`, { headers: { Accept: 'application/json' } });
      res.body.should.eql(catalogue('uk', type));
    }
    const status = await request(`${red.url}/locales/${MODULE}/ssi-terminal?lng=uk-UA`, { headers: { Accept: 'application/json' } });
    status.body['ssi-terminal'].status.S03.should.equal('введіть ПІН');
  });

  it('serves the shared editor script at the URL the nodes load it from', async () => {
    const res = await request(`${red.url}/resources/${MODULE}/editor.js`);
    res.status.should.equal(200);
    String(res.headers['content-type']).should.match(/javascript/);
    res.body.should.equal(read(EDITOR_JS));
    const nodes = await request(`${red.url}/nodes`, { headers: { Accept: 'text/html' } });
    nodes.body.should.containEql(EDITOR_TAG);
  });

  it('serves the icons, and the catalogue the method lists are built from', async () => {
    for (const type of NAMES) {
      const res = await request(`${red.url}/icons/${MODULE}/${type}.svg`);
      res.status.should.equal(200);
      String(res.headers['content-type']).should.match(/svg/);
    }
    const cat = await request(`${red.url}/ssi-ecr/catalogue`, { headers: { Accept: 'application/json' } });
    cat.status.should.equal(200);
    cat.body.methods.length.should.equal(29);
    cat.body.methods
      .filter((m) => m.group === 'financial')
      .map((m) => m.name)
      .should.eql([
        'Purchase',
        'Void',
        'Refund',
        'CashBack',
        'Preauthorization',
        'SalePreauth',
        'VoidPreauth',
        'Cash',
        'Deposit',
        'Balance',
        'Echo',
        'PartialVoid',
      ]);
    cat.body.methods[0].should.have.properties('title', 'doc', 'params');
    // Later firmware's methods come with the catalogue, marked as such; the two-step Purchase too.
    cat.body.methods
      .filter((m) => m.since === '1.4')
      .map((m) => m.name)
      .should.eql(['GetResultByUid', 'GetMerchantListDetailed']);
    cat.body.methods.find((m) => m.name === 'Purchase').twoStep.should.be.true();
  });
});
