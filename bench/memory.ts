/**
 * Peak resident memory of the workerd process while a large body streams through the router,
 * both ways. A router that buffers would grow with the body; one that streams stays flat.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

/** The workerd processes this Node process started (miniflare's children), still running. */
export function workerdPids(): Set<number> {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  const pids = out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, ...args]) => Number(ppid) === process.pid && args.join(' ').includes('workerd'))
    .map(([pid]) => Number(pid));
  return new Set(pids);
}

/**
 * The one workerd process started since `before` was taken. (ps orders by start time in whole
 * seconds, so "the newest" could name another Worker started in the same second.)
 */
export function newWorkerdPid(before: Set<number>): number {
  const started = [...workerdPids()].filter((pid) => !before.has(pid));
  if (started.length !== 1) throw new Error(`expected one new workerd process, found ${started.length}`);
  return started[0] as number;
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Runs `work` while sampling the process's RSS every 20 ms; returns the peak. */
export async function peakRss(pid: number, work: () => Promise<void>): Promise<number> {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssBytes(pid));
}

/**
 * Uploads `bytes` (generated chunk by chunk) through the router to the origin's sink, with a
 * Content-Length or chunked (which the router counts as it streams, in JavaScript).
 */
export function upload(url: URL, host: string, bytes: number, chunked = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(256 * 1024, 99);
    const headers: Record<string, string> = chunked ? { host } : { host, 'content-length': String(bytes) };
    const req = request(
      { host: url.hostname, port: url.port, path: '/sink', method: 'POST', headers },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => {
          const received = JSON.parse(body || '{}').bytes;
          if (received === bytes) resolve();
          else reject(new Error(`origin received ${received} of ${bytes} bytes (status ${res.statusCode})`));
        });
      },
    );
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const piece = sent + chunk.length <= bytes ? chunk : chunk.subarray(0, bytes - sent);
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** Downloads `bytes` from the origin through the router and checks the length. */
export function download(url: URL, host: string, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    request({ host: url.hostname, port: url.port, path: `/stream?n=${bytes}`, headers: { host } }, (res) => {
      let received = 0;
      res.on('data', (d: Buffer) => {
        received += d.length;
      });
      res.on('end', () =>
        received === bytes ? resolve() : reject(new Error(`received ${received} of ${bytes} bytes`)),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}
