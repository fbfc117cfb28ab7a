'use strict';
/**
 * `npm start`: the terminal simulator with human-like timings, ready for a first purchase.
 * SIM_PORT picks another TCP port (HTTP is SIM_PORT + 1); 0 picks free ports. SIM_STATE: where the
 * simulated terminal keeps its last results and batch (default .sim-state.json).
 */
const path = require('node:path');
const { startSimulator, TEST_AMOUNTS } = require('../dist/simulator');

async function main() {
  const port = process.env.SIM_PORT === undefined ? 3000 : Number(process.env.SIM_PORT);
  const stateFile = process.env.SIM_STATE || path.join(__dirname, '..', '.sim-state.json');
  const sim = await startSimulator({ port, stateFile });
  console.log(`SSI ECR terminal simulator listening on tcp://127.0.0.1:${sim.port} (framed) and http://127.0.0.1:${sim.httpPort}/ (POST JSON)`);
  console.log('Try a purchase of 24.50 UAH from another shell:');
  console.log(`  node -e "new (require('.').Terminal)({host:'127.0.0.1',port:${sim.port}}).transact('Purchase',{transAmount:2450,transCurrency:'980',merchantId:'000000060007176'},{onStatus:s=>console.log(s.status,s.text)}).then(r=>{console.log(r.params.transactionResult);process.exit(0)})"`);
  console.log(`Test amounts: ${Object.entries(TEST_AMOUNTS).map(([a, o]) => `${a} ${o.result}`).join(', ')}`);
  const stop = () => sim.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err.code === 'EADDRINUSE' ? `Port ${err.port} is in use: stop what runs there or set SIM_PORT (e.g. SIM_PORT=4000 npm start)` : err);
  process.exit(1);
});
