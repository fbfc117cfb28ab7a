'use strict';
/**
 * The editor in a real browser: a headless Chromium driven by playwright-core, against a real Node-RED 4 process
 * with this pack installed and a terminal simulator. It goes the way a user goes: finds the pack's nodes in the
 * palette, drags each one onto the workspace and opens its dialog, imports the vending example from
 * Import › Examples, adds an ssi-terminal through its dialog ("Test connection" must report the simulator's
 * terminal), deploys, clicks the inject button and watches the payment node's status turn into an approval and
 * the debug sidebar show the result. Screenshots go to test/artifacts/ (ignored by git).
 *
 * The Chromium is the machine's where one is installed, else the one @sparticuz/chromium ships (the test setup,
 * test/support/tools.ts, chooses and says which). SSI_ECR_SKIP_BROWSER=1 skips this test knowingly.
 */
import fs = require('node:fs');
import path = require('node:path');
import 'should';
import { startNodeRed } from './support/node-red';
import { MERCHANT } from './support/fixtures';
import { startSimulator } from '../dist/simulator';
import { openBrowser } from './support/browser';
import PKG = require('../package.json');
import type { Wire } from './support/wire';

const ROOT = path.join(__dirname, '..');
const ARTIFACTS = path.join(__dirname, 'artifacts');
const SKIP = process.env.SSI_ECR_SKIP_BROWSER === '1';

/** The palette category of the pack's flow nodes (resources/editor.js, flowNode). */
const CATEGORY = 'SSI ECR';
const TYPES = Object.keys(PKG['node-red'].nodes);

/** The editor's own globals, as the page.evaluate callbacks below use them inside the browser. */
declare const RED: {
  nodes: {
    eachNode(visit: () => void): void;
    getType(type: string): { category: string } | undefined;
    filterNodes(filter: { type: string }): Wire[];
    node(id: string): Wire;
  };
};
declare global {
  interface Window {
    ssiSeen: (string | null)[];
  }
}
const FLOW_TYPES = TYPES.filter((t) => t !== 'ssi-terminal');
const messages = (type) => JSON.parse(fs.readFileSync(path.join(ROOT, 'src', 'nodes', 'locales', 'en-US', `${type}.json`), 'utf8'))[type];
const TERMINAL = messages('ssi-terminal');
/** What the terminal shows while a payment runs (S01 to S07), in English. */
const BUSY_TEXTS = ['S01', 'S02', 'S03', 'S04', 'S05', 'S07'].map((s) => TERMINAL.status[s]);

const SERIAL = 'E2E0000042';
const EXAMPLE = '01 Vending - purchase then dispense';
/** Slow enough to see the terminal's states in the editor, fast enough to be done in about two seconds. */
const PHASES = { S01: 100, S02: 500, S03: 500, S04: 500, S05: 100, S07: 0 };

/**
 * Every wait below is for a condition (an element there, gone, or able to take a click; a text; a function of the
 * page), and ends as soon as it holds. STEP only bounds how long one condition may take before the test gives up
 * and names it: long, because on a machine busy with other work the editor can take many seconds for what takes a
 * fraction of one when idle. Each test's own limit leaves room for one STEP beyond its busiest run, so that a
 * condition that never comes is reported by name, not as mocha's timeout.
 */
const STEP = 90000;

describe('the editor in a real browser (headless Chromium, Node-RED 4, simulator)', function () {
  this.timeout(STEP + 120000);
  let sim;
  let nr;
  let browser;
  let page;
  /** Errors of the page, and console messages or failed requests that concern the pack. */
  const problems: string[] = [];
  let shots = 0;

  const chart = () => page.locator('#red-ui-workspace-chart');
  /** The flow node on the workspace whose label is `label`. */
  const flowNode = (label) =>
    chart()
      .locator('g.red-ui-flow-node-group')
      .filter({ has: page.locator('text.red-ui-flow-node-label-text', { hasText: label }) });
  const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, name) });
  const count = () =>
    page.evaluate(() => {
      let n = 0;
      RED.nodes.eachNode(() => n++);
      return n;
    });

  before(async function () {
    if (SKIP) {
      console.warn('\n    !!! SSI_ECR_SKIP_BROWSER=1: the editor is NOT tested in a browser.\n');
      this.skip();
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const old of fs.readdirSync(ARTIFACTS).filter((f) => f.startsWith('failure-'))) fs.rmSync(path.join(ARTIFACTS, old));
    sim = await startSimulator({ port: 0, httpPort: false, phases: PHASES, serialNumber: SERIAL });
    nr = await startNodeRed({
      // No first-run tour, telemetry question or remote palette catalogue: the editor stays on loopback.
      settings: { telemetry: { enabled: false }, editorTheme: { tours: false, palette: { catalogues: [] } } },
    });
    ({ browser, page } = await openBrowser({ step: STEP, problems }));
    await page.goto(nr.url);
    await page.locator('.red-ui-palette-node[data-palette-type="ssi-purchase"]').waitFor();
  });

  afterEach(async function () {
    if (this.currentTest!.state === 'failed' && page) await shot(`failure-${++shots}.png`).catch(() => {});
  });

  after(async () => {
    // The browser first (it holds a connection to Node-RED), then Node-RED and the simulator, whatever happened.
    await browser?.close().catch(() => {});
    const stopped = await Promise.allSettled([nr?.stop(), sim?.stop()]);
    for (const s of stopped) if (s.status === 'rejected') throw s.reason;
  });

  it(`lists every flow node of the pack in the palette under "${CATEGORY}", with its label`, async () => {
    // ssi-terminal is a configuration node: it is registered, but the palette does not list it.
    (await page.evaluate(() => RED.nodes.getType('ssi-terminal')?.category)).should.equal('config');
    (await page.locator('.red-ui-palette-node[data-palette-type="ssi-terminal"]').count()).should.equal(0);

    const category = page.locator('.red-ui-palette-category').filter({ has: page.locator('.red-ui-palette-header', { hasText: CATEGORY }) });
    (await category.count()).should.equal(1);
    const listed = await category
      .locator('.red-ui-palette-node')
      .evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('data-palette-type'), n.getAttribute('data-palette-label')]));
    listed.should.eql(FLOW_TYPES.map((t) => [t, messages(t).paletteLabel]));

    // What a user types in the palette's filter finds them all, and only them.
    await page.locator('#red-ui-palette-search input').pressSequentially('ssi');
    await page.waitForFunction(
      (n) => document.querySelectorAll('#red-ui-palette-container .red-ui-palette-node:not([data-filter])').length === n,
      FLOW_TYPES.length,
    );
    const shown = await page
      .locator('#red-ui-palette-container .red-ui-palette-node:not([data-filter])')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-palette-type')));
    shown.should.eql(FLOW_TYPES);
    // Each one's icon is an image the browser could load.
    const icons = await category.locator('.red-ui-palette-icon').evaluateAll((els) =>
      Promise.all(
        els.map(
          (el) =>
            new Promise((resolve) => {
              const img = new Image();
              img.onload = () => resolve(img.naturalWidth > 0);
              img.onerror = () => resolve(false);
              img.src = getComputedStyle(el).backgroundImage.replace(/^url\("?|"?\)$/g, '');
            }),
        ),
      ),
    );
    icons.should.eql(FLOW_TYPES.map(() => true));
    await shot('palette.png');
  });

  it('opens the edit dialog of each node dragged from the palette onto the workspace', async function () {
    this.timeout(STEP + FLOW_TYPES.length * 30000);
    for (const type of FLOW_TYPES) {
      const before = await count();
      await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).dragTo(chart(), { targetPosition: { x: 300, y: 560 } });
      (await count()).should.equal(before + 1, `${type} dropped on the workspace`);
      const added = chart().locator('g.red-ui-flow-node-group.red-ui-flow-node-selected');
      await added.locator('rect.red-ui-flow-node').dblclick();
      const tray = page.locator('.red-ui-tray').last();
      await tray.locator('#node-input-terminal').waitFor();
      // A new node has no terminal yet: the field offers to add one and is marked invalid.
      (await tray.locator('#node-input-terminal option:checked').textContent()).should.equal(`Add new ${TERMINAL.paletteLabel}...`);
      await tray.locator('#node-input-terminal.input-error').waitFor();
      await tray.locator('#node-input-name').waitFor();
      if (type === 'ssi-transaction') {
        // The method picker is filled from the runtime's catalogue (GET ssi-ecr/catalogue).
        await tray.getByText('Card payment of transAmount').waitFor();
      }
      await page.click('#node-dialog-cancel');
      await tray.waitFor({ state: 'detached' });
      await page.keyboard.press('Delete');
      (await count()).should.equal(before, `${type} deleted`);
    }
    await page.locator('#red-ui-palette-search input').fill('');
    await page.locator('#red-ui-palette-search input').press('Escape');
    problems.should.eql([]);
  });

  it(`imports "${EXAMPLE}" from Import › Examples`, async () => {
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    await page.locator('#red-ui-clipboard-dialog-import-tabs li', { hasText: 'Examples' }).click();
    const examples = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await examples.locator('.red-ui-treeList-label', { hasText: '@ssi-ecr/node-red' }).click();
    const names = fs
      .readdirSync(path.join(ROOT, 'examples'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
    await examples.locator('.red-ui-treeList-label', { hasText: names[names.length - 1] }).waitFor();
    (await examples.locator('.red-ui-treeList-label-text').allTextContents()).should.containDeep(names);
    await examples.locator('.red-ui-treeList-label', { hasText: EXAMPLE }).click();
    await page.click('#red-ui-clipboard-dialog-ok');
    const imported = page.locator('.red-ui-notification', { hasText: 'Imported' });
    await imported.click();
    await imported.waitFor({ state: 'detached' });
    // The imported nodes hang on the mouse, by their first node, until a click puts them down: where the example
    // has that node, so that the flow keeps its layout.
    const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', `${EXAMPLE}.json`), 'utf8')).filter((n) => n.z);
    const box = await chart().boundingBox();
    const at = await chart().evaluate((c) => [c.scrollLeft, c.scrollTop]);
    await page.mouse.move(box.x + flow[0].x - at[0], box.y + flow[0].y - at[1], { steps: 5 });
    await page.mouse.down();
    await page.mouse.up();
    await page.keyboard.press('Escape');
    await flowNode('card payment').waitFor();
    await flowNode('buy coffee 24.50').waitFor();
    (await count()).should.equal(flow.length);
    (await page.evaluate(() => RED.nodes.filterNodes({ type: 'inject' }).map((n) => [n.name, n.x, n.y]))).should.eql(
      flow.filter((n) => n.type === 'inject').map((n) => [n.name, n.x, n.y]),
    );
  });

  it('adds an ssi-terminal through its dialog, and "Test connection" reports the simulator\'s terminal', async () => {
    await flowNode('card payment').locator('rect.red-ui-flow-node').dblclick();
    await page.locator('#node-input-terminal').waitFor();
    // The example's own terminal (127.0.0.1:3000) stays; the + button adds a new one.
    await page.click('#node-input-btn-terminal-add');
    const dialog = page.locator('.red-ui-tray').last();
    await dialog.locator('#node-config-input-host').waitFor();
    (await dialog.locator('#node-config-input-transport').inputValue()).should.equal('tcp');
    // Test connection comes before the merchant and protocol settings; the timing settings wait, collapsed, under Advanced.
    const top = async (sel) => (await dialog.locator(sel).boundingBox()).y;
    (await top('#node-config-ssi-terminal-test')).should.be.below(await top('#node-config-input-merchantId'));
    (await dialog.locator('#node-config-input-pollInterval').isVisible()).should.be.false();
    await dialog.locator('#node-config-ssi-terminal-advanced-toggle').click();
    await dialog.locator('#node-config-input-overallTimeout').waitFor({ state: 'visible' });
    await dialog.locator('#node-config-ssi-terminal-advanced-toggle').click();
    await dialog.locator('#node-config-input-overallTimeout').waitFor({ state: 'hidden' });
    await dialog.locator('#node-config-input-name').fill('simulator');
    await dialog.locator('#node-config-input-host').fill('127.0.0.1');
    await dialog.locator('#node-config-input-port').fill(String(sim.port));
    await dialog.locator('#node-config-ssi-terminal-test').click();
    const result = dialog.locator('.ssi-terminal-test-result');
    await result.locator('.fa-check, .fa-times').waitFor();
    const text = await result.textContent();
    text.should.match(/^connected in \d+ ms, status S00 \(ready\), Verifone X990 \(simulated\) E2E0000042, protocol v1\.1\.10$/);
    (await result.locator('.fa-check').count()).should.equal(1);
    // The merchant id payments need: the terminal's own, picked with a click.
    const merchants = dialog.locator('.ssi-terminal-merchants');
    (await merchants.textContent()).should.match(
      /^payments need a merchant id; the terminal has 2 \(click one to use it\): 000000060007176, 000000060007177$/,
    );
    await merchants.locator('a.ssi-terminal-merchant', { hasText: MERCHANT }).click();
    (await dialog.locator('#node-config-input-merchantId').inputValue()).should.equal(MERCHANT);
    // Another transport: the result and the merchants it listed belong to the old settings, and go.
    await dialog.locator('#node-config-input-transport').selectOption('http');
    await dialog.locator('.ssi-terminal-test-row').waitFor({ state: 'hidden' });
    (await result.textContent()).should.equal('');
    (await dialog.locator('.ssi-terminal-merchants-row').isVisible()).should.be.false();
    // USB serial: the search button lists the ports the Node-RED host sees (what it finds depends on the machine).
    await dialog.locator('#node-config-input-transport').selectOption('serial');
    await dialog.locator('#node-config-ssi-terminal-list-ports').click();
    const portsText = dialog.locator('.ssi-terminal-ports-text');
    await page.waitForFunction(
      ([el, searching]) => el.textContent !== '' && el.textContent !== searching,
      [await portsText.elementHandle(), TERMINAL.ports.searching],
    );
    const said = await portsText.textContent();
    const saying = (text) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/__\w+__/g, '.+')}$`);
    [TERMINAL.ports.found, TERMINAL.ports.none, TERMINAL.ports.error].some((t) => saying(t).test(said)).should.be.true(said);
    (await dialog.locator('#node-config-ssi-terminal-list-ports').isEnabled()).should.be.true();
    await dialog.locator('#node-config-input-transport').selectOption('tcp');
    (await dialog.locator('.ssi-terminal-ports-note').isVisible()).should.be.false();
    await dialog.locator('#node-config-input-transport').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot('config-dialog.png');

    await page.click('#node-config-dialog-ok');
    await dialog.locator('#node-config-input-host').waitFor({ state: 'detached' });
    (await page.locator('#node-input-terminal option:checked').textContent()).should.equal('simulator');
    await page.click('#node-dialog-ok');
    await page.locator('#node-input-terminal').waitFor({ state: 'detached' });
    const terminal = await page.evaluate(() => {
      const node = RED.nodes.filterNodes({ type: 'ssi-purchase' })[0];
      const config = RED.nodes.node(node.terminal);
      return { name: config.name, host: config.host, port: String(config.port), merchantId: config.merchantId, valid: node.valid && config.valid };
    });
    terminal.should.eql({ name: 'simulator', host: '127.0.0.1', port: String(sim.port), merchantId: MERCHANT, valid: true });
  });

  it("deploys; the inject button pays 24.50: the node shows the terminal's steps, then the approval, and the debug sidebar the result", async () => {
    // The closed dialog's tray slides away before the shade over the header, and the Deploy button, lifts.
    await page.locator('.red-ui-tray').waitFor({ state: 'detached' });
    await page.locator('#red-ui-header-shade').waitFor({ state: 'hidden' });
    await page.click('#red-ui-header-button-deploy');
    const deployed = page.locator('.red-ui-notification-success', { hasText: 'Successfully deployed' });
    await deployed.waitFor();
    // The example's own terminal is left unused, and Node-RED says so.
    (await deployed.textContent()).should.match(/unused configuration nodes/);
    await deployed.locator('button', { hasText: 'Close' }).click();
    await deployed.waitFor({ state: 'detached' });

    const label = flowNode('card payment').locator('.red-ui-flow-node-status-label');
    // Every text the status shows from now on, in order.
    await label.evaluate((el) => {
      window.ssiSeen = [];
      new MutationObserver(() => window.ssiSeen.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await flowNode('buy coffee 24.50').locator('.red-ui-flow-node-button-button').click();
    await page.waitForFunction((el) => el.textContent.startsWith('✔'), await label.elementHandle());
    // The approval and when it came, by the runtime's clock.
    (await label.textContent()).should.match(/^✔ 24\.50 at \d\d:\d\d$/);
    (await flowNode('card payment').locator('rect.red-ui-flow-node-status').getAttribute('class')).should.match(/red-ui-flow-node-status-dot-green/);
    // The steps were shown in words, from the terminal catalogue's messages, never as message keys.
    const seen = await page.evaluate(() => window.ssiSeen);
    seen.should.containEql(TERMINAL.status.sending);
    seen.some((t) => BUSY_TEXTS.includes(t)).should.be.true(`a terminal step among ${JSON.stringify(seen)}`);
    seen.filter((t) => /ssi-terminal\.|\bS0\d\b/.test(t)).should.eql([]);
    // One payment of 24.50 reached the terminal.
    sim.requests
      .filter((r) => r.method === 'Purchase')
      .map((r) => r.params.transAmount)
      .should.eql(['2450']);

    await page.click('#red-ui-tab-debug-link-button');
    const message = page.locator('.red-ui-debug-msg').filter({ hasText: 'dispensed' });
    await message.waitFor();
    (await page.locator('.red-ui-debug-msg').count()).should.equal(1);
    const shown = await message.textContent();
    shown.should
      .match(/ok: true/)
      .and.match(/dispense: "A1"/)
      .and.match(/amount: 2450/);
    // Opened, as a user would to read it: the receipt's identifiers and the masked card number.
    await message.locator('.red-ui-debug-msg-object-handle').first().click();
    const card = message
      .locator('.red-ui-debug-msg-object-entry')
      .filter({ has: page.locator('.red-ui-debug-msg-object-key', { hasText: /^card$/ }) });
    await card.waitFor();
    (await card.textContent()).should.match(/^card: "\d{4}[X*]+\d{4}"$/);

    // The picture: the palette hidden to make room for the whole flow, a little smaller, nothing selected.
    await page.keyboard.press('Control+p');
    await page.locator('#red-ui-main-container.red-ui-palette-closed').waitFor();
    await page.waitForFunction(
      () =>
        new Promise((resolve) => {
          // Settled: the workspace no longer moves from one frame to the next.
          const left = () => document.querySelector('#red-ui-workspace')!.getBoundingClientRect().left;
          const before = left();
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(left() === before && before < 20)));
        }),
    );
    await page.click('#red-ui-view-zoom-out');
    await page.click('#red-ui-view-zoom-out');
    const box = await chart().boundingBox();
    await page.mouse.click(box.x + box.width - 20, box.y + box.height - 20);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height - 20);
    await page.waitForFunction(() => document.querySelectorAll('.red-ui-flow-node-selected').length === 0);
    // Down to just below the flow: the rest is empty workspace.
    await page.screenshot({ path: path.join(ARTIFACTS, 'flow-approved.png'), clip: { x: 0, y: 0, width: 1440, height: 540 } });
  });

  it('met no error of the pack in the page, its console or its requests', () => {
    problems.should.eql([]);
  });
});
