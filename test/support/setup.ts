'use strict';
/**
 * mocha's global setup (.mocharc.json requires this file): before the first test, finds or brings in what the
 * suite needs beyond node_modules (test/support/tools.ts) and prints one line per tool saying where it came from.
 * A tool that cannot be had stops the run here, before any test, with one line that names the command to run.
 */
import tools = require('./tools');

async function mochaGlobalSetup() {
  let all;
  try {
    all = await tools.ensureAll();
  } catch (err) {
    if (!(err instanceof tools.MissingTool)) throw err;
    process.stderr.write(`\ntest tools: ${err.message}\n`);
    process.exit(1);
  }
  for (const tool of all) process.stdout.write(`test tools: ${tool.name.padEnd(8)} ${tool.what} — ${tool.source}\n`);
}

export { mochaGlobalSetup };
