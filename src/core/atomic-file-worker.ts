/** The thread that does writeFileAtomicAsync's writes (see WriterThread in atomic-file). */
import { parentPort } from 'node:worker_threads';
import { replaceSync } from './atomic-file';

parentPort!.on('message', ({ id, path, text }: { id: number; path: string; text: string }) => {
  try {
    replaceSync(path, text);
    parentPort!.postMessage({ id });
  } catch (err) {
    parentPort!.postMessage({ id, error: { message: (err as Error).message, code: (err as NodeJS.ErrnoException).code } });
  }
});
