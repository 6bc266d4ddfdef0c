/** The credential cache's rule (src/access/credential-cache.ts): used only while every commit is heard, and for at most its age. */
import type { CredentialRow } from '../../src/access/authenticate';
import { CredentialCache } from '../../src/access/credential-cache';
import { Role } from '../../src/access/roles';
import { UnitKind } from '../../src/access/unit-kind';

const row = (id: string): CredentialRow => ({
  id,
  roles: [Role.READ],
  expiresAt: null,
  revokedAt: null,
  unitId: 'u1',
  code: 'YC-TAX',
  name: '税务局',
  kind: UnitKind.TAX,
  regionCode: '140800',
  isOffice: false,
  active: true,
});

/** Looks a hash up; when missed, stores `stored` as the look-up's result and says "missed". */
function ask(cache: CredentialCache, hash: string, stored = row(hash)): CredentialRow | 'missed' {
  const found = cache.lookUp(hash);
  if ('row' in found) return found.row;
  found.store(stored);
  return 'missed';
}

describe('the credential cache', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => (clock = 1_000_000));

  it('on the embedded database (always heard): a stored row is used until CREDENTIAL_CACHE_MS have passed', () => {
    const cache = new CredentialCache(1000, true, now);
    expect(ask(cache, 'a')).toBe('missed');
    clock += 999;
    expect(ask(cache, 'a')).toEqual(row('a'));
    clock += 1;
    expect(ask(cache, 'a')).toBe('missed');
  });

  it('on a server: nothing is used before the listener connects, nor after it is lost', () => {
    const cache = new CredentialCache(1000, false, now);
    expect(ask(cache, 'a')).toBe('missed');
    expect(ask(cache, 'a')).toBe('missed');
    cache.listener(true);
    expect(ask(cache, 'a')).toBe('missed');
    expect(ask(cache, 'a')).toEqual(row('a'));
    cache.listener(false);
    expect(cache.size).toBe(0);
    expect(ask(cache, 'a')).toBe('missed');
    expect(ask(cache, 'a')).toBe('missed');
    // Connected again: what was stored before the loss is gone (it may have missed a revocation).
    cache.listener(true);
    expect(ask(cache, 'a')).toBe('missed');
  });

  it('a commit empties it, and a look-up that began before the commit is not stored', () => {
    const cache = new CredentialCache(1000, true, now);
    ask(cache, 'a');
    cache.committed();
    expect(cache.size).toBe(0);
    const slow = cache.lookUp('b');
    cache.committed();
    if ('store' in slow) slow.store(row('b'));
    expect(cache.size).toBe(0);
    expect(ask(cache, 'b')).toBe('missed');
    expect(ask(cache, 'b')).toEqual(row('b'));
  });

  it('CREDENTIAL_CACHE_MS=0 stores nothing', () => {
    const cache = new CredentialCache(0, true, now);
    expect(ask(cache, 'a')).toBe('missed');
    expect(ask(cache, 'a')).toBe('missed');
    expect(cache.size).toBe(0);
  });

  it('holds at most 10,000 keys, dropping the oldest first', () => {
    const cache = new CredentialCache(60_000, true, now);
    for (let i = 0; i < 10_001; i++) ask(cache, `k${i}`);
    expect(cache.size).toBe(10_000);
    expect(ask(cache, 'k0')).toBe('missed');
    expect(ask(cache, 'k10000')).toEqual(row('k10000'));
  });
});
