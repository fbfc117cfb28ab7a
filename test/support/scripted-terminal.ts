'use strict';
import net = require('node:net');
import type { AddressInfo } from 'node:net';
import { encodeFrame, FrameDecoder } from '../../src/core';
import type { Wire } from './wire';

/**
 * A scripted peer for behaviours the simulator does not produce (statuses it never shows, results that are not
 * ours, answers a terminal should not give): `answer(message, counts)` returns the response object, or undefined
 * to stay silent.
 */
async function scriptedTerminal(answer: (message: Wire, counts: Record<string, number>) => object | null | undefined) {
  const counts: Record<string, number> = {};
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const decoder = new FrameDecoder({
      onMessage: (m: Wire) => {
        counts[m.method] = (counts[m.method] || 0) + 1;
        // A v1.1.10 terminal: later firmware's methods (the client's probe) are unknown to it (§5.1).
        const r =
          answer(m, counts) ??
          (m.method === 'GetResultByUid'
            ? { method: 'Unknown', error: true, errorCode: 'E05', errorDescription: 'Unknown method', params: {} }
            : undefined);
        if (r) socket.write(encodeFrame(r));
      },
    });
    socket.on('data', (d) => decoder.push(d));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const ok = (method: string, extra: object = {}) => ({ method, error: false, errorCode: '', errorDescription: '', params: {}, ...extra });
const result = (params: object, extra: object = {}) =>
  ok('GetLastResult', { params: { transactionResult: 'APPROVED_ONLINE', responseCode: '00', ...params }, ...extra });

export { scriptedTerminal, ok, result };
