/** src/memory.ts: a large request is followed by one full garbage collection. */
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { collectGarbageSoon } from '../../src/memory';

/** The major (mark-compact) collections observed while `during` runs and the event loop turns a few times. */
async function majorCollections(during: () => void): Promise<number> {
  const seen: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  during();
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return seen.filter((entry) => (entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length;
}

describe('collectGarbageSoon', () => {
  it('runs one full collection when the event loop is next free, however often it is called', async () => {
    const once = await majorCollections(() => collectGarbageSoon());
    expect(once).toBeGreaterThanOrEqual(1);
    const thrice = await majorCollections(() => {
      collectGarbageSoon();
      collectGarbageSoon();
      collectGarbageSoon();
    });
    // Three calls, one collection (a spontaneous one may come on top).
    expect(thrice).toBeGreaterThanOrEqual(1);
    expect(thrice).toBeLessThan(3);
  });

  it('without a call, no full collection happens in a quiet process', async () => {
    expect(await majorCollections(() => undefined)).toBe(0);
  });
});
