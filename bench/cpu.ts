/**
 * CPU time of a process, read from /proc: user + system, in milliseconds. Read before and after a
 * load run, the difference divided by the requests served is the CPU per request of the whole
 * workerd process (the isolate, and the HTTP work on both sides that every Worker pays alike).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * @example const before = cpuMs(pid); await load(); const used = cpuMs(pid) - before;
 */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are
  // fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / TICKS_PER_SECOND;
}
