'use strict';
import { Terminal, type OperationOptions } from '../../src/core';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';

const FAST = { S01: 0, S02: 0, S03: 0, S04: 0, S05: 0, S07: 0 };
const MERCHANT = '000000060007176';
const MERCHANT2 = '000000060007177';

/** A simulator on free ports plus terminals pointed at it; everything is closed by `cleanup`. */
async function setup(simOptions: SimulatorOptions = {}) {
  const sim = await startSimulator({ port: 0, phases: FAST, ...simOptions });
  const terminals: Terminal[] = [];
  const open = (transport: 'tcp' | 'http' = 'tcp', options: OperationOptions = {}) => {
    const t = new Terminal({
      transport,
      host: '127.0.0.1',
      port: transport === 'http' ? sim.httpPort : sim.port,
      pollInterval: 5,
      settleGrace: 100,
      unackedGrace: 300,
      ...options,
    });
    terminals.push(t);
    return t;
  };
  const cleanup = async () => {
    await Promise.all(terminals.map((t) => t.close()));
    await sim.stop();
  };
  return { sim, open, cleanup };
}

function purchase(amount: string | number = '2450', extra: Record<string, unknown> = {}) {
  return { transAmount: amount, transCurrency: '980', merchantId: MERCHANT, ...extra };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate: () => unknown, ms = 2000, what = 'condition') {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(2);
  }
}

/** Financial requests the simulator received: never more than one per transact. */
function financialCount(sim: Simulator, method: string) {
  return sim.requests.filter((r) => r.method === method).length;
}

export { setup, purchase, delay, waitFor, financialCount, FAST, MERCHANT, MERCHANT2 };
