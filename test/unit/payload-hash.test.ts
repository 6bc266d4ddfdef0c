/** The idempotency digest of a publication: canonical JSON in which an absent field and a null one are alike. */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { canonicalJsonWithoutNulls, hashPayload } from '../../src/modules/risk-lists/payload-hash';

/** The reference: drop null fields with a copy, then the canonicalize package (RFC 8785). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

class RowInput {
  uscc = '91140802MA0K00001X';
  enterpriseName = '运城市示例机械有限公司';
  regionCode: string | null = null;
  amount?: string;
  details: unknown = { 新欠: '120000', taxTypes: ['增值税', null], nested: { b: null, a: [1, 2.5, -0, 1e21, 0.1] } };
}

const samples: unknown[] = [
  null,
  0,
  -0,
  1e21,
  0.1 + 0.2,
  'a "quoted" 字符串\n',
  true,
  [],
  {},
  [null, 1, 'x', { z: 1, a: null }],
  { b: 1, a: 2, c: { y: null, x: [] }, '\u00e9': 1, e: 2, 'e\u0301': 3, '10': 1, '9': 2 },
  new RowInput(),
  { entries: [new RowInput(), { ...new RowInput(), amount: '1.50' }], listType: 'TAX_ARREARS', period: null },
];

describe('canonicalJsonWithoutNulls', () => {
  it.each(samples.map((sample) => [JSON.stringify(sample) ?? String(sample), sample]))('equals canonicalize(withoutNulls(x)) for %s', (_, sample) => {
    expect(canonicalJsonWithoutNulls(sample)).toBe(canonicalize(withoutNulls(sample)));
  });

  it('sorts keys and drops null and absent fields alike', () => {
    expect(canonicalJsonWithoutNulls({ b: 1, a: null, c: undefined, d: [null] })).toBe('{"b":1,"d":[null]}');
  });
});

describe('hashPayload', () => {
  const input = {
    listType: 'TAX_ARREARS',
    mode: 'SNAPSHOT',
    idempotencyKey: 'k',
    period: null,
    entries: [new RowInput(), new RowInput()],
    withdrawals: undefined,
  };

  it('is the SHA-256 of the canonical form of the whole input', () => {
    const expected = createHash('sha256')
      .update(canonicalize(withoutNulls(input))!)
      .digest('hex');
    expect(hashPayload(input)).toBe(expected);
  });

  it('does not depend on key order or on null versus absent fields, and does on any value', () => {
    const reordered = { entries: input.entries, idempotencyKey: 'k', mode: 'SNAPSHOT', listType: 'TAX_ARREARS' };
    expect(hashPayload(reordered)).toBe(hashPayload(input));
    const changed = { ...input, entries: [new RowInput(), { ...new RowInput(), amount: '0.01' }] };
    expect(hashPayload(changed)).not.toBe(hashPayload(input));
  });
});
