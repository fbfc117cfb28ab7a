'use strict';
/**
 * The venue dashboard example (examples/07) in a real browser: Node-RED 4 (a real process) with this pack and
 * FlowFuse Dashboard 2 (`@flowfuse/node-red-dashboard`, a devDependency that Node-RED finds in this repository's
 * node_modules), the example's flow with its two terminals pointed at two simulators, and a headless Chromium
 * driven by playwright-core on /dashboard. It goes the way the venue's staff go: sees a tile per terminal, clicks
 * the test sale and sees the payment in the last payments and in today's takings; a declined one is listed but not
 * counted; the X report shows each terminal's totals; the Z report asks first, and settles only when confirmed; a
 * payment of the venue's own flows, sent to the example's link, counts too.
 * Screenshots go to test/artifacts/ (ignored by git).
 *
 * The Chromium is the one the test setup (test/support/tools.ts) chose, as for the editor test;
 * SSI_ECR_SKIP_BROWSER=1 skips this test knowingly.
 */
import fs = require('node:fs');
import path = require('node:path');
import 'should';
import { startNodeRed, request } from './support/node-red';
import { startSimulator, type Simulator } from '../dist/simulator';
import { openBrowser } from './support/browser';
import { KEEP_NAMES } from './support/keep-names';
import { MERCHANT } from './support/fixtures';

const ARTIFACTS = path.join(__dirname, 'artifacts');
const SKIP = process.env.SSI_ECR_SKIP_BROWSER === '1';
const EXAMPLE = path.join(__dirname, '..', 'examples', '07 Venue dashboard.json');
/** Fast, yet with every step a real terminal shows. */
const PHASES = { S01: 50, S02: 200, S03: 200, S04: 200, S05: 50, S07: 0 };
/**
 * Every wait is for a condition and ends as soon as it holds; STEP only bounds one condition, generously, since on a
 * machine busy with other work the dashboard can take many seconds for what takes a fraction of one when idle.
 */
const STEP = 90000;

/** The venue's own till flow (another tab): an inject pays 10.00 at till-2 and sends the outcome to *count a payment*. */
const OWN = { tab: '0a0b0c0d0e0f0a01', inject: '0a0b0c0d0e0f0a02', pay: '0a0b0c0d0e0f0a03', link: '0a0b0c0d0e0f0a04' };

/**
 * The example's flow on a tab of its own, its terminals pointed at `sims` (by name), their status watched every
 * second; and, on another tab, a flow of the venue's own that counts its payments through the example's link.
 */
function venueFlow(sims) {
  const nodes = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
  const tab = nodes.find((n) => n.z).z;
  const flow = nodes.map((n) => {
    if (n.type === 'ssi-terminal') return { ...n, port: sims[n.name].port, pollInterval: 10, unackedGrace: 300 };
    if (n.type === 'ssi-status' && n.watch) return { ...n, interval: 1 };
    return n;
  });
  const count = nodes.find((n) => n.type === 'link in' && n.name === 'count a payment').id;
  const till2 = nodes.find((n) => n.type === 'ssi-terminal' && n.name === 'till-2').id;
  const own = [
    { id: OWN.tab, type: 'tab', label: 'Our tills', disabled: false, info: '' },
    {
      id: OWN.inject,
      type: 'inject',
      z: OWN.tab,
      name: 'pay 10.00 at till-2',
      props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }],
      repeat: '',
      crontab: '',
      once: false,
      onceDelay: 0.1,
      topic: 'till-2',
      payload: '{"amount":1000}',
      payloadType: 'json',
      x: 150,
      y: 60,
      wires: [[OWN.pay]],
    },
    {
      id: OWN.pay,
      type: 'ssi-purchase',
      z: OWN.tab,
      name: 'our till-2 payment',
      terminal: till2,
      units: 'minor',
      merchantId: '',
      merchantIdType: 'str',
      currency: '',
      currencyType: 'str',
      discountedAmount: '',
      discountedAmountType: 'msg',
      x: 350,
      y: 60,
      wires: [[OWN.link], [OWN.link]],
    },
    { id: OWN.link, type: 'link out', z: OWN.tab, name: 'to the dashboard', mode: 'link', links: [count], x: 550, y: 60, wires: [] },
  ];
  return { tab, flow: [{ id: tab, type: 'tab', label: 'Venue dashboard', disabled: false, info: '' }, ...flow, ...own] };
}

describe('the venue dashboard example in a real browser (Dashboard 2, headless Chromium, Node-RED 4, two simulators)', function () {
  this.timeout(STEP + 120000);
  const sims: Record<string, Simulator> = {};
  let nr;
  let tab;
  let browser;
  let page;
  const problems: string[] = [];
  let shots = 0;

  const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
  /** A dashboard group (a card with its title), by title. */
  const group = (title) => page.locator('.nrdb-ui-group').filter({ has: page.locator('.v-card-title, .nrdb-ui-group-title', { hasText: title }) });
  const tile = (till) => page.locator('.venue-tile').filter({ has: page.locator('.venue-tile-name', { hasText: till }) });
  const rows = () => group('Last 20 payments').locator('tbody tr');
  /** The cells of the last-payments table, row by row (newest first), as the staff read them. */
  const table = () => rows().evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  const text = async (selector) => (await page.locator(selector).textContent()).trim();
  /** What the flow keeps in its context (the admin API's view of it). */
  const context = async (key) => {
    const r = await request(`${nr.url}/context/flow/${tab}/${key}`);
    if (r.status !== 200 || typeof r.body !== 'object' || typeof r.body.msg !== 'string')
      throw new Error(`flow context ${key}: ${r.status} ${JSON.stringify(r.body)}`);
    return JSON.parse(r.body.msg);
  };

  before(async function () {
    if (SKIP) {
      console.warn('\n    !!! SSI_ECR_SKIP_BROWSER=1: the venue dashboard is NOT tested in a browser.\n');
      this.skip();
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const old of fs.readdirSync(ARTIFACTS).filter((f) => f.startsWith('dashboard-failure-'))) fs.rmSync(path.join(ARTIFACTS, old));
    sims['till-1'] = await startSimulator({
      port: 0,
      httpPort: false,
      phases: PHASES,
      merchants: [{ merchantId: MERCHANT, terminalIds: ['T0000001'] }],
    });
    sims['till-2'] = await startSimulator({
      port: 0,
      httpPort: false,
      phases: PHASES,
      merchants: [{ merchantId: MERCHANT, terminalIds: ['T0000002'] }],
    });
    const venue = venueFlow(sims);
    tab = venue.tab;
    nr = await startNodeRed({ flows: venue.flow, settings: { telemetry: { enabled: false } } });
    ({ browser, page } = await openBrowser({ viewport: { width: 1280, height: 1000 }, step: STEP, ours: null, problems }));
    await page.goto(`${nr.url}/dashboard`);
  });

  afterEach(async function () {
    if (this.currentTest!.state === 'failed' && page) await shot(`dashboard-failure-${++shots}.png`).catch(() => {});
  });

  after(async () => {
    await browser?.close().catch(() => {});
    const stopped = await Promise.allSettled([nr?.stop(), ...Object.values(sims).map((s) => s.stop())]);
    for (const s of stopped) if (s.status === 'rejected') throw s.reason;
  });

  it('/dashboard opens the venue page: a tile per terminal, online; nothing taken yet', async () => {
    await page.waitForURL(/\/dashboard\/venue$/);
    for (const till of ['till-1', 'till-2']) {
      await tile(till)
        .locator('.venue-tile-online', { hasText: /^online$/ })
        .waitFor();
      (await tile(till).getAttribute('class')).should.match(/venue-idle/);
      (await tile(till).locator('.venue-tile-status').textContent()).should.match(/\(S00\)/);
    }
    (await page.locator('.venue-tile').count()).should.equal(2);
    await page.locator('.venue-takings', { hasText: '0.00 UAH' }).waitFor();
    (await text('.venue-count')).should.equal('0');
    for (const title of ['Terminals', 'Today', 'Actions', 'Sales per hour', 'Last reports', 'Last 20 payments'])
      (await group(title).count()).should.equal(1, title);
  });

  it("a click on the test sale pays 24.50 at till-1: it is the newest of the last payments, and in today's takings", async () => {
    await page.getByRole('button', { name: 'Test sale 24.50 · till-1' }).click();
    await group('Last 20 payments')
      .locator('td', { hasText: /^approved$/ })
      .waitFor();
    const [newest, ...rest] = await table();
    rest.should.eql([]);
    newest.should.have.length(6);
    newest[0].should.match(/^\d\d:\d\d:\d\d$/);
    newest.slice(1, 4).should.eql(['till-1', '24.50', 'approved']);
    newest[4].should.match(/^\d{4}[X*]+\d{4}$/); // the masked card
    newest[5].should.match(/^\d{12}$/); // the RRN
    await page.locator('.venue-takings', { hasText: '24.50 UAH' }).waitFor();
    (await text('.venue-count')).should.equal('1');
    (await text('.venue-not-approved')).should.equal('0');
    // One payment, on till-1's terminal; the takings in the flow context, in the hour it was paid.
    sims['till-1'].requests
      .filter((r) => r.method === 'Purchase')
      .map((r) => (r.params as Record<string, unknown>).transAmount)
      .should.eql(['2450']);
    sims['till-2'].requests.filter((r) => r.method === 'Purchase').should.eql([]);
    const day = await context('venueDay');
    day.should.match({ count: 1, amount: 2450, notApproved: 0 });
    day.hours[new Date().getHours()].should.equal(2450);
    day.hours.reduce((a, b) => a + b, 0).should.equal(2450);
    // The sales-per-hour chart is drawn; the tile shows till-1 idle again (its watch saw the payment's steps, or not:
    // it asks every second).
    await group('Sales per hour').locator('canvas').first().waitFor();
    await tile('till-1').locator('.venue-tile-status', { hasText: '(S00)' }).waitFor();
    await shot('dashboard.png');
  });

  it('a declined payment at till-2 is listed with its reason, and not counted in the takings', async () => {
    sims['till-2'].engine.scriptOutcome({ result: 'DECLINED_ONLINE', responseCode: '51', errorCode: 'E21', text: 'НЕДОСТАТНЬО КОШТІВ' });
    await page.getByRole('button', { name: 'Test sale 24.50 · till-2' }).click();
    await group('Last 20 payments').locator('td', { hasText: 'DECLINED_ONLINE (51)' }).waitFor();
    const [newest, older] = await table();
    newest.slice(1, 4).should.eql(['till-2', '24.50', 'DECLINED_ONLINE (51)']);
    older.slice(1, 4).should.eql(['till-1', '24.50', 'approved']);
    await page.locator('.venue-not-approved', { hasText: /^1$/ }).waitFor();
    (await text('.venue-takings')).should.equal('24.50 UAH');
    (await text('.venue-count')).should.equal('1');
  });

  it("the X report shows each terminal's totals; the batches stay open", async () => {
    await page.getByRole('button', { name: 'X report (interim totals)' }).click();
    const report = (till) => page.locator('.venue-report').filter({ hasText: till });
    await report('till-1').filter({ hasText: 'X report' }).waitFor();
    await report('till-2').filter({ hasText: 'X report' }).waitFor();
    (await report('till-1').textContent()).should.match(
      /^\s*till-1 · X report at \d\d:\d\d:\d\d: sales 1 \(24\.50 UAH\), refunds 0 \(0\.00 UAH\)\s*$/,
    );
    (await report('till-2').textContent()).should.match(
      /^\s*till-2 · X report at \d\d:\d\d:\d\d: sales 0 \(0\.00 UAH\), refunds 0 \(0\.00 UAH\)\s*$/,
    );
    sims['till-1'].engine.batch.length.should.equal(1);
  });

  it('the Z report asks first: Cancel sends nothing; Settle now settles both terminals, and the takings stay', async () => {
    const zReports = () => Object.values(sims).flatMap((s) => s.requests.filter((r) => r.method === 'ZReport'));
    const ask = page.locator('.nrdb-ui-notification', { hasText: 'Settle the day with the bank' });
    await page.getByRole('button', { name: 'Z report (settle the day)' }).click();
    await ask.waitFor();
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'hidden' });
    zReports().should.eql([]);

    await page.getByRole('button', { name: 'Z report (settle the day)' }).click();
    await ask.waitFor();
    await shot('dashboard-z-confirm.png');
    await ask.getByRole('button', { name: 'Settle now' }).click();
    const report = (till) => page.locator('.venue-report').filter({ hasText: till });
    await report('till-1').filter({ hasText: 'Z report' }).waitFor();
    await report('till-2').filter({ hasText: 'Z report' }).waitFor();
    (await report('till-1').textContent()).should.match(/till-1 · Z report at \d\d:\d\d:\d\d: sales 1 \(24\.50 UAH\)/);
    (await report('till-2').textContent()).should.match(/till-2 · Z report at \d\d:\d\d:\d\d: sales 0 \(0\.00 UAH\)/);
    zReports().length.should.equal(2);
    for (const sim of Object.values(sims)) sim.engine.batch.length.should.equal(0);
    (await text('.venue-takings')).should.equal('24.50 UAH');
    (await rows().count()).should.equal(2);
  });

  it('a page opened later shows the same figures (the widgets keep their last message)', async () => {
    const second = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await second.addInitScript(KEEP_NAMES);
    try {
      second.setDefaultTimeout(STEP);
      await second.route(
        (url) => url.hostname !== '127.0.0.1',
        (route) => route.abort(),
      );
      await second.goto(`${nr.url}/dashboard`);
      await second.locator('.venue-takings', { hasText: '24.50 UAH' }).waitFor();
      await second.locator('.venue-tile').nth(1).waitFor();
      const payments = second.locator('.nrdb-ui-group').filter({ hasText: 'Last 20 payments' }).locator('tbody tr');
      await payments.nth(1).waitFor();
      (await payments.count()).should.equal(2);
      await second.locator('.venue-report').filter({ hasText: 'till-2 · Z report' }).waitFor();
    } finally {
      await second.close();
    }
  });

  it('a payment of the venue\'s own flows, sent to the link "count a payment", is counted and listed too', async () => {
    (await nr.inject(OWN.inject)).status.should.equal(200);
    await group('Last 20 payments')
      .locator('td', { hasText: /^10\.00$/ })
      .waitFor();
    (await table())[0].slice(1, 4).should.eql(['till-2', '10.00', 'approved']);
    await page.locator('.venue-takings', { hasText: '34.50 UAH' }).waitFor();
    (await text('.venue-count')).should.equal('2');
    sims['till-2'].requests
      .filter((r) => r.method === 'Purchase')
      .map((r) => (r.params as Record<string, unknown>).transAmount)
      .should.eql(['2450', '1000']);
    (await context('venueDay')).should.match({ count: 2, amount: 3450, notApproved: 1 });
  });

  it('met no error in the page or its console', () => {
    problems.should.eql([]);
  });
});
