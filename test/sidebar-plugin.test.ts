'use strict';
/**
 * The SSI ECR sidebar as files and as a Node-RED plugin: package.json declares it, its texts exist in English and
 * Ukrainian for every key the tab uses, its script registers the plugin without touching the page while it loads,
 * and a real Node-RED serves the tab and its messages in both languages. (The tab at work: browser-sidebar.test.js.)
 */
import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');
import 'should';
import { startNodeRed, request } from './support/node-red';

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src', 'nodes');
import PKG = require('../package.json');
import type { Wire } from './support/wire';
const NAME = 'ssi-ecr-sidebar';
const read = (file) => fs.readFileSync(file, 'utf8');
const catalogue = (lang) => JSON.parse(read(path.join(SRC, 'locales', lang, `${NAME}.json`)));
const HTML = read(path.join(SRC, `${NAME}.html`));
const REGISTRATION = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(HTML)![1];
/** The tab's code, which the plugin's HTML loads first by its relative URL. */
const SIDEBAR_JS = read(path.join(ROOT, 'resources', 'sidebar.js'));
const SIDEBAR_TAG = '<script type="text/javascript" src="resources/@ssi-ecr/node-red/sidebar.js"></script>';
const SCRIPT = `${SIDEBAR_JS}\n${REGISTRATION}`;

function leaves(obj, prefix = '', out: string[] = []) {
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object') leaves(v, `${prefix}${k}.`, out);
    else out.push(`${prefix}${k}`);
  }
  return out;
}

describe('the SSI ECR sidebar plugin: its files', () => {
  it('package.json declares it as a Node-RED plugin, built beside the nodes', () => {
    PKG['node-red'].plugins.should.eql({ [NAME]: `dist/nodes/${NAME}.js` });
    fs.existsSync(path.join(SRC, `${NAME}.ts`)).should.be.true();
  });

  it('has every text in English and Ukrainian, the same keys in both, and every key the tab uses', () => {
    const en = leaves(catalogue('en-US')).sort();
    leaves(catalogue('uk')).sort().should.eql(en);
    for (const lang of ['en-US', 'uk']) leaves(catalogue(lang)).forEach((k) => lookup(catalogue(lang), k).should.not.equal(''));
    // Keys written out in full: t('unresolved.none'), t('record.acked', …).
    const used = [...SCRIPT.matchAll(/\bt\('([\w.-]+)'/g)].map((m) => m[1]).filter((k) => !k.endsWith('.'));
    used.length.should.be.above(20);
    // Keys made of a stem and a value: every value the tab can give them.
    const verdicts = ['approved', 'notPerformed', 'checked'];
    const made = [
      ...verdicts.flatMap((v) => [`confirm.${v}.question`, `confirm.${v}.effect`, `confirm.ok.${v}`, `button.${v}`, `verdict.${v}`]),
      ...['approved', 'declined', 'cancelled', 'first-step', 'failed', 'done', 'error'].map((o) => `outcomes.${o}`),
    ];
    // …and the tab makes no others: each stem it completes at run time is one of those.
    const stems = [...SCRIPT.matchAll(/\bt\('([\w.-]+\.)'\s*\+/g)].map((m) => m[1]);
    stems.length.should.be.above(3);
    stems.filter((stem) => !made.some((k) => k.startsWith(stem))).should.eql([]);
    const sidebar = catalogue('en-US').sidebar;
    const missing = [...used, ...made].filter((k) => typeof lookup(sidebar, k) !== 'string');
    missing.should.eql([]);
    // What the runtime says an outcome is has a word in the tab (last-outcomes.ts, OutcomeKind).
    const kinds = /export type OutcomeKind = ([^;]+);/
      .exec(read(path.join(SRC, 'lib', 'last-outcomes.ts')))![1]
      .match(/'[\w-]+'/g)!
      .map((q) => q.slice(1, -1));
    kinds.forEach((k) => lookup(sidebar, `outcomes.${k}`).should.be.a.String());
  });

  it('registers the plugin and touches the page only once Node-RED adds it', () => {
    const registered: Wire[] = [];
    const $ = () => {
      throw new Error('the script touches the DOM while it loads');
    };
    const RED = { plugins: { registerPlugin: (id, def) => registered.push({ id, def }) }, _: (k) => k };
    HTML.indexOf(SIDEBAR_TAG).should.be.above(-1);
    HTML.indexOf(SIDEBAR_TAG).should.be.below(HTML.indexOf(REGISTRATION));
    const window: { SsiEcrSidebar?: object } = {};
    const context = vm.createContext({ RED, $, console, window });
    vm.runInContext(SIDEBAR_JS, context, { filename: 'resources/sidebar.js' });
    vm.runInContext(REGISTRATION, context, { filename: `${NAME}.html` });
    registered.map((r) => r.id).should.eql([NAME]);
    (typeof registered[0].def.onadd).should.equal('function');
    Object.keys(window.SsiEcrSidebar!).sort().should.eql(['changed', 'content', 'refresh', 't']);
  });

  it('writes every text from a flow as text: no html() or HTML built from data', () => {
    SCRIPT.should.not.match(/\.html\(|\.append\(\s*['"`]<[^>]*>\s*['"`]\s*\+/);
    SCRIPT.should.not.match(/innerHTML/);
  });
});

function lookup(cat, key) {
  return key.split('.').reduce((v, part) => (v && typeof v === 'object' ? v[part] : undefined), cat);
}

describe('the SSI ECR sidebar plugin in a real Node-RED 4', function () {
  this.timeout(120000);
  let red;
  before(async () => {
    red = await startNodeRed();
  });
  after(async () => {
    await red?.stop();
  });

  it('is loaded without an error, and its tab is served to the editor', async () => {
    const list = await request(`${red.url}/plugins`, { headers: { Accept: 'application/json' } });
    list.status.should.equal(200);
    const set = list.body.find((p) => p.id === `${PKG.name}/${NAME}`);
    set.should.match({ enabled: true, module: PKG.name, editor: true, runtime: true });
    (set.err === undefined).should.be.true(String(set.err));
    const html = await request(`${red.url}/plugins`, { headers: { Accept: 'text/html' } });
    html.body.should.containEql(`RED.plugins.registerPlugin('${NAME}'`);
    html.body.should.containEql('RED.sidebar.addTab({');
    html.body.should.containEql(SIDEBAR_TAG);
    const code = await request(`${red.url}/resources/${PKG.name}/sidebar.js`);
    code.status.should.equal(200);
    String(code.headers['content-type']).should.match(/javascript/);
    code.body.should.equal(SIDEBAR_JS);
  });

  it('serves its messages in English and Ukrainian', async () => {
    for (const [lang, cat] of [
      ['en-US', 'en-US'],
      ['uk', 'uk'],
      ['uk-UA', 'uk'],
    ]) {
      const res = await request(`${red.url}/plugins/messages?lng=${lang}`, { headers: { Accept: 'application/json' } });
      res.status.should.equal(200);
      res.body[`${PKG.name}/${NAME}`].should.eql(catalogue(cat));
    }
  });
});
