'use strict';
/** A simulator for the bench, in a process of its own: options as JSON in argv[2]; talks to its parent over IPC. */
const { startSimulator } = require('../dist/simulator');

async function main() {
  const sim = await startSimulator(JSON.parse(process.argv[2] || '{}'));
  process.on('message', async (msg) => {
    if (msg.cmd === 'counts') process.send({ ...sim.counts });
    if (msg.cmd === 'stop') {
      await sim.stop();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ port: sim.port });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
