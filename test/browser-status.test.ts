'use strict';
/**
 * The status texts a venue reads on the canvas, in a real browser: what each node's own last outcome says (an
 * approval, a decline, a report) beside a node whose terminal could not be reached at deploy, each in words (the
 * outcomes with the time they came), never a method name, an E-code or a message key. The picture of it is the
 * README's (docs/status-texts.png, rewritten when SSI_ECR_SCREENSHOTS=1).
 */
import fs = require('node:fs');
import path = require('node:path');
import should = require('should');
import { startNodeRed, freePort } from './support/node-red';
import { openBrowser } from './support/browser';
import { MERCHANT } from './support/fixtures';
import { startSimulator } from '../dist/simulator';
import type { Wire } from './support/wire';

/** The editor's own global, as the page.evaluate callbacks below use it inside the browser. */
declare const RED: {
  nodes: { eachNode(visit: (n: Wire) => void): void; eachConfig(visit: (n: Wire) => void): void; filterNodes(filter: { z: string }): Wire[] };
};

const SKIP = process.env.SSI_ECR_SKIP_BROWSER === '1';
const SCREENSHOT = path.join(__dirname, '..', 'docs', 'status-texts.png');
const STEP = 90000;
const PHASES = { S01: 100, S02: 300, S03: 300, S04: 300, S05: 100, S07: 0 };
const TIME = '\\d\\d:\\d\\d';

/** Injects on the left, the pack's nodes in a column beside them. */
function venueFlow(simPort, deadPort) {
  const tab = { id: 'tab', type: 'tab', label: 'Status texts' };
  const till = {
    id: 'till',
    type: 'ssi-terminal',
    name: 'till 1',
    transport: 'tcp',
    host: '127.0.0.1',
    port: simPort,
    merchantId: MERCHANT,
    currency: '980',
    pollInterval: 100,
  };
  const kiosk = {
    id: 'kiosk',
    type: 'ssi-terminal',
    name: 'kiosk 2',
    transport: 'tcp',
    host: '127.0.0.1',
    port: deadPort,
    merchantId: MERCHANT,
    currency: '980',
    connectTimeout: 1000,
  };
  const row = (i, inject, node) => [
    {
      id: `in${i}`,
      type: 'inject',
      z: 'tab',
      name: inject.name,
      props: [{ p: 'payload' }],
      payload: inject.payload,
      payloadType: 'json',
      repeat: '',
      crontab: '',
      once: false,
      onceDelay: 0.1,
      topic: '',
      x: 150,
      y: 60 + i * 70,
      wires: [[node.id]],
    },
    { z: 'tab', x: 420, y: 60 + i * 70, wires: [[], []], ...node },
  ];
  return [
    tab,
    till,
    kiosk,
    ...row(
      0,
      { name: 'coffee 24.50', payload: '{"amount":2450}' },
      { id: 'coffee', type: 'ssi-purchase', name: 'coffee machine', terminal: 'till', units: 'minor' },
    ),
    ...row(
      1,
      { name: 'card of 100.05', payload: '{"amount":10005}' },
      { id: 'declined', type: 'ssi-purchase', name: 'snack machine', terminal: 'till', units: 'minor' },
    ),
    ...row(
      2,
      { name: 'end of shift', payload: '{}' },
      { id: 'xreport', type: 'ssi-report', name: 'shift report', terminal: 'till', report: 'XReport' },
    ),
    ...row(
      3,
      { name: 'ticket 5.00', payload: '{"amount":500}' },
      { id: 'ticket', type: 'ssi-purchase', name: 'ticket kiosk', terminal: 'kiosk', units: 'minor' },
    ),
  ];
}

/** A tab as a tool might write it: every type of the pack with only its required properties. */
function bareFlow(simPort) {
  const types = Object.keys(require('../package.json')['node-red'].nodes).filter((t) => t !== 'ssi-terminal');
  return [
    { id: 'bare', type: 'tab', label: 'Written by hand' },
    { id: 'bare-terminal', type: 'ssi-terminal', host: '127.0.0.1', port: simPort },
    ...types.map((type, i) => ({ id: `bare-${type}`, type, z: 'bare', terminal: 'bare-terminal', x: 200, y: 60 + i * 60, wires: [] })),
  ];
}

describe('status texts on the canvas, in a real browser (Node-RED 4, simulator, an unreachable terminal)', function () {
  this.timeout(STEP + 120000);
  let sim;
  let nr;
  let ui;

  before(async function () {
    if (SKIP) this.skip();
    sim = await startSimulator({ port: 0, httpPort: false, phases: PHASES });
    nr = await startNodeRed({
      flows: [...venueFlow(sim.port, await freePort()), ...bareFlow(sim.port)],
      settings: { telemetry: { enabled: false }, editorTheme: { tours: false, palette: { catalogues: [] } } },
    });
    ui = await openBrowser({ viewport: { width: 1200, height: 800 }, step: STEP });
    await ui.page.goto(nr.url);
    await ui.page.locator('.red-ui-flow-node-group').first().waitFor();
  });

  after(async () => {
    await ui?.close();
    const stopped = await Promise.allSettled([nr?.stop(), sim?.stop()]);
    for (const s of stopped) if (s.status === 'rejected') throw s.reason;
  });

  const node = (label) =>
    ui.page
      .locator('#red-ui-workspace-chart g.red-ui-flow-node-group')
      .filter({ has: ui.page.locator('text.red-ui-flow-node-label-text', { hasText: label }) });
  const statusOf = async (label, pattern) => {
    const el = await node(label).locator('.red-ui-flow-node-status-label').elementHandle();
    await ui.page.waitForFunction(({ el, source }) => new RegExp(source).test(el.textContent), { el, source: pattern.source });
    return {
      text: await el.textContent(),
      colour: /dot-(\w+)|ring-(\w+)/
        .exec(await node(label).locator('rect.red-ui-flow-node-status').getAttribute('class'))!
        .slice(1)
        .find(Boolean),
    };
  };
  const click = (label) => node(label).locator('.red-ui-flow-node-button-button').click();

  it('each node says its own last outcome in words, with its time; the unreachable terminal in red', async () => {
    // Before any customer: the terminal node tried its terminal at deploy, and says why it cannot reach it.
    (await statusOf('ticket kiosk', /^not reachable/)).should.eql({ text: 'not reachable: connection refused', colour: 'red' });
    await click('coffee 24.50');
    (await statusOf('coffee machine', /^✔/)).should.eql({
      text: (await statusOf('coffee machine', new RegExp(`^✔ 24\\.50 at ${TIME}$`))).text,
      colour: 'green',
    });
    await click('card of 100.05');
    const declined = await statusOf('snack machine', /^✘/);
    declined.text.should.match(new RegExp(`^✘ declined by the bank at ${TIME}$`));
    should(declined.colour).equal('red');
    await click('end of shift');
    (await statusOf('shift report', /^✔/)).text.should.match(new RegExp(`^✔ X report .* at ${TIME}$`));
    // What the other nodes of the same terminal did replaced no one's outcome.
    (await statusOf('coffee machine', /./)).text.should.match(/^✔ 24\.50 at /);
    const texts = await ui.page.locator('.red-ui-flow-node-status-label').allTextContents();
    texts.filter((t) => /ssi-|\bE\d\d\b|\bS0\d\b|Purchase|XReport|CONNECTION_FAILED/.test(t)).should.eql([]);

    await ui.page.mouse.click(1100, 700);
    await ui.page.waitForFunction(() => document.querySelectorAll('.red-ui-flow-node-selected').length === 0);
    const box = await ui.page.locator('#red-ui-workspace-chart').boundingBox();
    // A hand-written flow whose nodes the editor would mark as invalid would not be a fair picture.
    (
      await ui.page.evaluate(() => {
        const invalid: string[] = [];
        const check = (n) => n.valid !== true && invalid.push(`${n.type} ${n.name}: ${n.valid} ${JSON.stringify(n.validationErrors)}`);
        RED.nodes.eachNode(check);
        RED.nodes.eachConfig(check);
        return invalid;
      })
    ).should.eql([]);
    const shot = await ui.page.screenshot({ clip: { x: box.x, y: box.y, width: 680, height: 320 } });
    fs.mkdirSync(path.join(__dirname, 'artifacts'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, 'artifacts', 'status-texts.png'), shot);
    if (process.env.SSI_ECR_SCREENSHOTS === '1') fs.writeFileSync(SCREENSHOT, shot);
  });

  it("a flow written by hand with only the required properties: the editor marks none of the pack's nodes invalid", async () => {
    const invalid = await ui.page.evaluate(() => {
      const found: string[] = [];
      const check = (n) =>
        n.z !== 'tab' && /^ssi-/.test(n.type) && n.valid !== true && found.push(`${n.type}: ${JSON.stringify(n.validationErrors)}`);
      RED.nodes.eachNode(check);
      RED.nodes.eachConfig(check);
      return { found, seen: RED.nodes.filterNodes({ z: 'bare' }).length };
    });
    invalid.should.eql({ found: [], seen: 8 });
  });

  it('met no error of the pack in the page, its console or its requests', () => {
    ui.problems.should.eql([]);
  });
});
