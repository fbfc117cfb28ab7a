'use strict';
const net = require('node:net');
const { encodeFrame, FrameDecoder } = require('../../dist/core');

/**
 * A scripted peer for behaviours the simulator does not produce (statuses it never shows, results that are not
 * ours, answers a terminal should not give): `answer(message, counts)` returns the response object, or undefined
 * to stay silent.
 */
async function scriptedTerminal(answer) {
  const counts = {};
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const decoder = new FrameDecoder({
      onMessage: (m) => {
        counts[m.method] = (counts[m.method] || 0) + 1;
        // A v1.1.10 terminal: later firmware's methods (the client's probe) are unknown to it (§5.1).
        const r = answer(m, counts) ?? (m.method === 'GetResultByUid' ? { method: 'Unknown', error: true, errorCode: 'E05', errorDescription: 'Unknown method', params: {} } : undefined);
        if (r) socket.write(encodeFrame(r));
      },
    });
    socket.on('data', (d) => decoder.push(d));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    counts,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const ok = (method, extra = {}) => ({ method, error: false, errorCode: '', errorDescription: '', params: {}, ...extra });
const result = (params, extra = {}) => ok('GetLastResult', { params: { transactionResult: 'APPROVED_ONLINE', responseCode: '00', ...params }, ...extra });

module.exports = { scriptedTerminal, ok, result };
