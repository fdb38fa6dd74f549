/**
 * The secrets gate: every secret routes.yaml declares must already have a value in the target
 * Worker before anything is uploaded, or a route that needs it would answer 500 config_error in
 * production. The Worker's secret names are listed through the API (values are never readable).
 *
 * Why listing and not wrangler's `secrets.required`: in wrangler 4.86 that config field is marked
 * experimental, is checked by the API only while the upload is being sent (the whole bundle goes
 * out first, and the refusal arrives as an upload error), and it changes `wrangler dev`: only the
 * listed names are then read from .dev.vars. Listing first refuses before any upload, with every
 * missing name and the command that sets it, and is one documented read.
 */

export interface GateResult {
  missing: string[];
  /** What to print when something is missing. */
  message: string | null;
}

/**
 * Compares the declared secrets with the Worker's.
 * @example secretsGate(['ORIGIN_KEY'], [], 'edge-router').missing // ['ORIGIN_KEY']
 */
export function secretsGate(declared: string[], present: string[], workerName: string): GateResult {
  const have = new Set(present);
  const missing = [...new Set(declared)].filter((name) => !have.has(name)).sort();
  if (missing.length === 0) return { missing, message: null };
  const lines = [
    `secrets gate: the Worker ${workerName} has no value for ${missing.join(', ')}; nothing was uploaded.`,
    'Set each one (the value is read from the terminal, never from a file in git), then deploy again:',
    ...missing.map((name) => `    npx wrangler secret put ${name} --name ${workerName}`),
  ];
  return { missing, message: lines.join('\n') };
}
