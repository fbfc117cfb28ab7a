/**
 * An MQTT 5 broker from npm for the tests where mosquitto is not installed: aedes on 127.0.0.1, in memory, in a
 * process of its own as mosquitto would be. `node aedes-broker.mjs [PORT]` (0 or none: a free port) prints
 * `listening PORT` once it accepts connections; SIGTERM or SIGINT closes it.
 */
import net from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
const server = net.createServer(broker.handle);
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
broker.on('clientError', (client, err) => process.stderr.write(`client ${client && client.id}: ${err.message}\n`));

function stop() {
  server.close();
  broker.close(() => process.exit(0));
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
