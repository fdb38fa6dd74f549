/**
 * Which version `npm run rollback` goes back to without `--to`, from the Worker's deployments
 * (newest first, as the API lists them). Found by a review: after a canary failed at 60 % and the
 * deploy restored the old version, rollback chose the failed version, the newest "other" one.
 */
import { describe, expect, it } from 'vitest';
import { type Deployment, previousVersion, rollbackChoice } from '../../scripts/rollback.ts';

const at = (message: string, ...shares: Array<[string, number]>): Deployment => ({
  created_on: '2026-12-03T00:00:00Z',
  versions: shares.map(([version_id, percentage]) => ({ version_id, percentage })),
  annotations: { 'workers/message': message },
});
const full = (version: string, message = `deploy ${version}`) => at(message, [version, 100]);

describe('rollback: the version to go back to', () => {
  it('is the one that served all traffic before the current one', () => {
    expect(previousVersion([full('new'), full('old'), full('older')], 'new')).toBe('old');
    // The stage at 0 % still had the old version serving everything.
    expect(
      previousVersion([full('new'), at('stage new', ['old', 100], ['new', 0]), full('old')], 'new'),
    ).toBe('old');
  });

  it('skips a canary share: new@60 old@40 is not a version that served alone', () => {
    const history = [
      full('old', 'rollback: add feature failed'),
      at('60 % add feature', ['new', 60], ['old', 40]),
      at('stage add feature', ['old', 100], ['new', 0]),
      full('old'),
      full('older'),
    ];
    expect(previousVersion(history, 'old')).toBe('older');
  });

  it('never picks a version a rollback took away, even one that had reached 100 %', () => {
    const history = [full('old', 'rollback: add feature failed'), full('new'), full('old'), full('older')];
    expect(previousVersion(history, 'old')).toBe('older');
    // The same after `npm run rollback` by hand.
    const manual = [full('old', 'rollback from new12345'), full('new'), full('old'), full('older')];
    expect(previousVersion(manual, 'old')).toBe('older');
  });

  it('forgets a rollback once the version it removed has served alone again since', () => {
    // A review: B was rolled back from, later served alone again, and is the right choice now.
    const history = [
      full('C'),
      at('stage C', ['B', 100], ['C', 0]),
      full('B', 'rollback from a1234567'),
      full('A', 'rollback from b1234567'),
      full('B'),
      full('A'),
    ];
    expect(previousVersion(history, 'C')).toBe('B');
  });

  it('finds none when no other version ever served alone', () => {
    expect(previousVersion([full('only')], 'only')).toBeUndefined();
    expect(previousVersion([full('only'), at('canary', ['x', 10], ['only', 90])], 'only')).toBeUndefined();
  });

  it('undoes a canary a stopped deploy left behind: the version that served alone comes back', () => {
    // A review: with new@10 old@90 live, "current" was old, and rollback chose the one before it.
    const history = [
      at('10 % feature', ['new', 10], ['old', 90]),
      at('stage', ['old', 100], ['new', 0]),
      full('old'),
      full('older'),
    ];
    expect(rollbackChoice(history)).toEqual({ current: 'new', to: 'old' });
    expect(rollbackChoice([full('new'), full('old')])).toEqual({ current: 'new', to: 'old' });
    expect(rollbackChoice([])).toEqual({ error: 'no deployment' });
  });
});
