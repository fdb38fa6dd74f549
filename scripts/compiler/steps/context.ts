/**
 * What every per-route compile step gets: a reporter that places problems inside the route, and
 * the names `${env.NAME}` may use.
 */
import type { Severity } from '../diagnostics.ts';
import type { DataPath } from '../source.ts';

export interface StepContext {
  /** Reports a problem at `path` inside the route (or in defaults, when it came from there). */
  report(path: DataPath, message: string, severity?: Severity): void;
  /** Declared vars and secrets. */
  declared: Set<string>;
  /** The secrets among them: never sent to a client. */
  secrets: Set<string>;
}

/** The methods a route may list, in the order `Allow` headers show them. */
export const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
