/**
 * A CPU profile of the router's isolate under load: where the time of a request goes. Starts a
 * bundled Worker with workerd's V8 inspector, drives it with autocannon, and sums the profile's
 * samples by function (self time), so the hot spots can be compared with the pass-through Worker.
 */
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { freePort } from '../scripts/serve/local-router.ts';
import { startWorker } from './workers.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  /** Share of the isolate's busy time (idle left out). */
  share: number;
}

export interface IsolateProfile {
  /** Milliseconds the isolate's thread was busy per request served. */
  busyMsPerRequest: number;
  spots: HotSpot[];
}

/**
 * Profiles `scriptPath` while `path` is loaded for `seconds`: busy time per request, and the
 * functions with the largest self time.
 * @example await profileWorker(bundle.scriptPath, 'r5.bench.test', '/small', 10, {})
 */
export async function profileWorker(
  scriptPath: string,
  host: string,
  path: string,
  seconds: number,
  bindings: Record<string, string>,
): Promise<IsolateProfile> {
  const inspectorPort = await freePort();
  const worker = await startWorker(scriptPath, bindings, { inspectorPort });
  try {
    const url = worker.url;
    const session = await inspect(inspectorPort);
    await session.call('Profiler.enable');
    await session.call('Profiler.setSamplingInterval', { interval: 100 });
    await autocannon({ url: new URL(path, url).href, duration: 1, connections: 32, headers: { host } });
    await session.call('Profiler.start');
    const load = await autocannon({
      url: new URL(path, url).href,
      duration: seconds,
      connections: 32,
      headers: { host },
    });
    const { profile } = (await session.call('Profiler.stop')) as { profile: Profile };
    session.close();
    const { busyMs, spots } = hotSpots(profile);
    return { busyMsPerRequest: busyMs / Math.max(1, load.requests.total), spots };
  } finally {
    await worker.dispose();
  }
}

/** Self time per function, largest first; "(idle)" samples are left out of the total. */
function hotSpots(profile: Profile): { busyMs: number; spots: HotSpot[] } {
  const names = frameNames(profile.nodes);
  const micros = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const name = names.get(id) ?? '?';
    // A sample's time is the delta to the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (name === '(idle)') return;
    micros.set(name, (micros.get(name) ?? 0) + us);
    total += us;
  });
  const spots = [...micros.entries()]
    .map(([name, us]) => ({ name, share: us / total }))
    .sort((a, b) => b.share - a.share);
  return { busyMs: total / 1000, spots };
}

/** "name file:line" per node; a frame without a name (native code) is named after its caller. */
function frameNames(nodes: ProfileNode[]): Map<number, string> {
  const parent = new Map<number, number>();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const own = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.split('/').at(-1) ?? '';
    return file ? `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}` : functionName;
  };
  const names = new Map<number, string>();
  for (const node of nodes) {
    let name = own(node);
    const caller = byId.get(parent.get(node.id) ?? -1);
    if (name === '' && caller) name = `(native, called by ${own(caller) || 'the runtime'})`;
    names.set(node.id, name || '(native)');
  }
  return names;
}

interface Session {
  call(method: string, params?: object): Promise<unknown>;
  close(): void;
}

/** Opens a DevTools protocol session on the inspector's first target. */
async function inspect(port: number): Promise<Session> {
  const targets = JSON.parse(await (await fetch(`http://127.0.0.1:${port}/json`)).text()) as {
    webSocketDebuggerUrl: string;
  }[];
  const target = targets[0];
  if (!target) throw new Error('the inspector lists no Worker');
  const socket = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 1 << 30 });
  await new Promise<void>((resolve, reject) => socket.on('open', resolve).on('error', reject));
  const pending = new Map<number, (result: unknown) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  let next = 0;
  return {
    call: (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++next;
        pending.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}
