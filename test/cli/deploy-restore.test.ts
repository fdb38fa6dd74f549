/**
 * A deploy whose rollback itself fails, against the Cloudflare stand-in (a file of its own so it
 * runs beside test/cli/deploy.test.ts): each restore step is tried even when the one before
 * failed, and the log lists what is left to put back by hand. Found by a review: a failed
 * re-attach stopped the rollback before the version was restored (the failed one stayed at
 * 100 %), and the advice, `npm run rollback`, left the domains as they were.
 */
import { describe, expect, it } from 'vitest';
import { useDeployStandIn } from './deploy-harness.ts';

const { deploy, live, domains } = useDeployStandIn();

describe('a rollback that fails half-way', { timeout: 240_000 }, () => {
  it('still restores the version, and prints the steps left', async () => {
    const first = await deploy(['api.example.com'], { token: false });
    expect(first.status, first.stderr).toBe(0);
    const [current] = live() ?? [];
    const result = await deploy(['api.example.com', 'new.example.com'], {
      token: false,
      downHost: 'new.example.com',
      // The restore's detach of the host this deploy attached fails.
      failCall: (c) => c.method === 'DELETE' && c.path.includes('/workers/domains/'),
    });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain('ROLLBACK: the domains and routes were not restored');
    expect(result.stderr).toMatch(
      /ROLLBACK FAILED: put back by hand, in this order:\n {2}1\. attach exactly these to \S+ \(dashboard, or wrangler triggers deploy\): custom domain api\.example\.com\n/,
    );
    // The version was restored all the same; the new host is still attached (the failed step).
    expect(live()).toEqual([{ version_id: current?.version_id, percentage: 100 }]);
    expect(domains()).toEqual(['api.example.com', 'new.example.com']);
  });
});
