/**
 * One origin of the load test in its own process (so the test can kill it with SIGKILL and
 * start it again): `node --import tsx scripts/load/origin-process.ts NAME PORT` serves test/origin/server.ts
 * on 127.0.0.1:PORT, prints `ready PORT`, and stops on SIGTERM.
 */

import { startOrigin } from '../../test/origin/server.ts';
import { type Io, runIfMain } from '../cli/io.ts';

/** @example await main(['A', '9001'], io) // serves until SIGTERM, then 0 */
export async function main(argv: string[], io: Io): Promise<number> {
  const [name, port] = argv;
  if (!name || !port) {
    io.err('usage: node --import tsx scripts/load/origin-process.ts NAME PORT');
    return 1;
  }
  const stopped = new Promise((done) => process.once('SIGTERM', done));
  const origin = await startOrigin(Number(port), name);
  io.out(`ready ${origin.port}`);
  await stopped;
  await origin.close();
  return 0;
}

runIfMain(import.meta.url, main);
