/**
 * Where each field of the Worker's data point lands in the Analytics Engine table, as
 * src/pipeline/metrics.ts writes it (docs/operating.md has the table). The SQL `stats` sends
 * reads these names only; a test checks them against the Worker's own `metricsPoint`.
 */
export const COLUMNS = {
  route: 'index1',
  host: 'blob1',
  method: 'blob2',
  error: 'blob3',
  cache: 'blob4',
  answeredBy: 'blob5',
  origin: 'blob6',
  version: 'blob7',
  status: 'double1',
  durationMs: 'double2',
  tries: 'double3',
  originStatus: 'double4',
  failover: 'double5',
} as const;
