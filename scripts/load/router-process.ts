/**
 * The load test's router in its own process: `node --import tsx scripts/load/router-process.ts CONFIG PORT`
 * runs wrangler's dev server (`unstable_startWorker`, what `wrangler dev` itself calls) over a
 * generated wrangler config: local only, loopback only, no inspector (see scripts/load.ts for
 * why), no live reload, no file watching. Prints `ready PORT`, then the Worker's log lines;
 * stops on SIGTERM.
 */
import { dirname, join } from 'node:path';
import { type Io, runIfMain } from '../cli/io.ts';

/** @example await main(['test/.generated/load-1/wrangler.json', '8787'], io) // serves until SIGTERM */
export async function main(argv: string[], io: Io): Promise<number> {
  const [config, port] = argv;
  if (!config || !port) {
    io.err('usage: node --import tsx scripts/load/router-process.ts CONFIG PORT');
    return 1;
  }
  const stopped = new Promise((done) => process.once('SIGTERM', done));
  const { unstable_startWorker } = await import('wrangler');
  const worker = await unstable_startWorker({
    config,
    dev: {
      remote: false,
      server: { hostname: '127.0.0.1', port: Number(port) },
      inspector: false,
      liveReload: false,
      watch: false,
      persist: join(dirname(config), 'state'),
    },
  });
  await worker.ready;
  io.out(`ready ${port}`);
  await stopped;
  await worker.dispose();
  return 0;
}

runIfMain(import.meta.url, main);
