import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import type { LoadRequest, LoadResult } from './load-worker';

/** The closed-loop load worker (load-worker.ts) on its own thread, one load at a time. */
export interface LoadWorker {
  load(request: LoadRequest): Promise<LoadResult>;
  stop(): Promise<number>;
}

export function startLoadWorker(): LoadWorker {
  const worker = new Worker(join(__dirname, 'load-worker.ts'), {
    execArgv: ['-r', join(__dirname, '..', 'register.cjs')],
  });
  return {
    load: (request) =>
      new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        worker.once('error', onError);
        worker.once('message', (message: LoadResult | { fatal: string }) => {
          worker.off('error', onError);
          if ('fatal' in message) reject(new Error(message.fatal));
          else resolve(message);
        });
        worker.postMessage(request);
      }),
    stop: () => worker.terminate(),
  };
}
