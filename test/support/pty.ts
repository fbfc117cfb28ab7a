'use strict';
/**
 * A virtual serial pair: socat joins two ptys (raw, no echo) and links them at two paths, one end for the
 * simulator, the other for the pack's serial transport. socat is the one test/support/tools.ts found or installed.
 */
import fs = require('node:fs');
import { spawn } from 'node:child_process';
import tools = require('./tools');

/**
 * Resolves { remove() } once both links exist; rejects with socat's own words when it exits first. No fixed
 * limit: on a busy machine socat gets the time it takes (the test's timeout still bounds it).
 */
async function ptyPair(a: string, b: string, socat = tools.get('socat').path!) {
  const child = spawn(socat, [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('close', resolve));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  while (!(fs.existsSync(a) && fs.existsSync(b))) {
    if (spawnError || gone())
      throw new Error(`socat exited before the pty pair was there: ${spawnError ? spawnError.message : stderr.trim() || `exit ${child.exitCode}`}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    async remove() {
      if (!gone()) child.kill('SIGTERM');
      await exited;
    },
  };
}

export { ptyPair };
