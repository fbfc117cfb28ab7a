'use strict';
/**
 * The README's method table and simulator test amounts come from the catalogue, never typed by hand.
 * `node scripts/docs.js` rewrites them; `node scripts/docs.js --check` fails when the README is stale.
 */
const fs = require('node:fs');
const path = require('node:path');
const { METHOD_NAMES, METHODS, REQUEST_KEYS, busyAfterAnswer } = require('../dist/core');
const { TEST_AMOUNTS } = require('../dist/simulator');

const README = path.join(__dirname, '..', 'README.md');

function methodTable() {
  const rows = METHOD_NAMES.map((name) => {
    const m = METHODS[name];
    const params =
      Object.entries(m.params)
        .map(([k, r]) => `${k}${r === 'O' ? '?' : ''} (${REQUEST_KEYS[k].notation})`)
        .join(', ') || '—';
    const how = m.resultMethod
      ? `\`transact\` → ${m.resultMethod}`
      : `\`request\`${m.whileBusy ? ', also while busy' : ''}${busyAfterAnswer(m) ? ', done when printed' : ''}`;
    return `| ${name} | ${m.group} | ${params} | ${how} | ${m.doc.en}${m.androidOnly ? ' (Android only)' : ''} |`;
  });
  return ['| method | group | params (`?` optional) | call | what it does |', '|---|---|---|---|---|', ...rows].join('\n');
}

function amountTable() {
  const rows = Object.entries(TEST_AMOUNTS).map(
    ([amount, o]) => `| \`${amount}\` (${(Number(amount) / 100).toFixed(2)}) | ${o.result} | ${o.errorCode ?? ''} | ${o.doc} |`,
  );
  return ['| transAmount | transactionResult | errorCode | what happens |', '|---|---|---|---|', ...rows].join('\n');
}

function replaceSection(text, name, body) {
  const re = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(text)) throw new Error(`README.md has no <!-- ${name}:start --> / <!-- ${name}:end --> markers`);
  return text.replace(re, (_all, start, end) => `${start}\n${body}\n${end}`);
}

function render(text) {
  return replaceSection(replaceSection(text, 'methods', methodTable()), 'amounts', amountTable());
}

if (require.main === module) {
  const current = fs.readFileSync(README, 'utf8');
  const next = render(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error('README.md is out of date with the catalogue: run `npm run docs`');
      process.exit(1);
    }
  } else if (next !== current) {
    fs.writeFileSync(README, next);
    console.log('README.md updated');
  }
}

module.exports = { render };
