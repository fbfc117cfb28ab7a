'use strict';
/**
 * The baseline client: the least code that speaks the framed protocol over a socket — no validation, no
 * queue, no timeouts, no reconnects, no checksum check on answers. What the library is measured against.
 */
const net = require('node:net');

function frame(message) {
  const body = Buffer.from(JSON.stringify(message));
  const out = Buffer.alloc(body.length + 6);
  out.set([0x02, 0x66, 0x01, body.length >> 8, body.length & 0xff]);
  body.copy(out, 5);
  let x = 0;
  for (const b of body) x ^= b;
  out[out.length - 1] = x;
  return out;
}

/** Resolves with `{ request(message) → Promise<answer>, close() }` once connected. */
function rawClient(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let waiting = null;
    const socket = net.connect({ port, host, noDelay: true }, () => resolve({ request, close: () => socket.destroy() }));
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 5 && buf.length >= buf.readUInt16BE(3) + 6) {
        const len = buf.readUInt16BE(3);
        const answer = JSON.parse(buf.toString('utf8', 5, 5 + len));
        buf = buf.subarray(len + 6);
        const w = waiting;
        waiting = null;
        w(answer);
      }
    });
    const request = (message) => new Promise((res) => ((waiting = res), socket.write(frame(message))));
  });
}

module.exports = { rawClient };
