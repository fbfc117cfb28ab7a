'use strict';
/**
 * An MQTT broker on a free loopback port for a test, in a process of its own: mosquitto where it is installed,
 * else aedes from npm (test/support/tools.ts chooses, once, and says which). Anonymous, no persistence.
 */
import fs = require('node:fs');
import path = require('node:path');
import { spawn } from 'node:child_process';
import tools = require('./tools');
import { freePort, accepts } from './node-red';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts the broker (files in `dir`); resolves { kind, port, stop() }. */
async function startBroker(dir: string) {
  const broker = tools.get('mqtt');
  let port: number | undefined;
  let child;
  if (broker.kind === 'mosquitto') {
    port = await freePort();
    const conf = path.join(dir, 'mosquitto.conf');
    // mosquitto 2 must be told to accept anonymous clients.
    fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
    child = spawn(broker.path!, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  } else {
    child = spawn(process.execPath, [path.join(__dirname, 'aedes-broker.mjs'), '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // No fixed limit: a broker that is alive is given the time it takes on a busy machine; one that died is reported.
  for (;;) {
    if (port === undefined) port = Number((/^listening (\d+)$/m.exec(output) || [])[1]) || undefined;
    if (port !== undefined && (await accepts(port))) break;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${broker.kind} exited before it accepted connections:\n${output}`);
    await delay(50);
  }
  return {
    kind: broker.kind,
    port,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export { startBroker };
