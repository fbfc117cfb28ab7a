'use strict';
/**
 * A headless Chromium for the browser tests (the machine's or @sparticuz/chromium's: test/support/tools.js), a
 * page that reaches nothing but loopback, and the problems it meets: page errors, and console errors or failed
 * requests that concern the pack (or any, with `ours: null`).
 */
import { chromium } from 'playwright-core';
import tools = require('./tools');
import { KEEP_NAMES } from './keep-names';

/** Anything of the pack in a console message or a failed request: its URLs, types, or its editor script. */
const OURS = /@ssi-ecr|ssi-(terminal|purchase|refund|transaction|status|report|print|command)|SsiEcr/i;

/**
 * `ours`: which console messages and failed requests count (null: every console error); `problems`: the list they
 * go to, a caller's own when it already keeps one.
 */
async function openBrowser({ viewport = { width: 1440, height: 900 }, step = 90000, ours = OURS as RegExp | null, problems = [] as string[] } = {}) {
  const browser = await chromium.launch({
    executablePath: tools.get('chromium').path,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport });
  await page.addInitScript(KEEP_NAMES);
  page.setDefaultTimeout(step);
  await page.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort(),
  );
  const concerns = (text) => !ours || ours.test(text);
  page.on('pageerror', (err) => problems.push(`page error: ${err.stack || err.message}`));
  page.on('console', (m) => {
    const where = m.location().url || '';
    if (concerns(m.text() + where) && (m.type() === 'error' || m.type() === 'warning' || /error/i.test(m.text())))
      problems.push(`console ${m.type()}: ${m.text()} (${where})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && concerns(r.url())) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return { browser, page, problems, close: () => browser.close().catch(() => {}) };
}

export { openBrowser, OURS };
