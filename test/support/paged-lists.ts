/**
 * What the tests of every paged list start from (page cursors, page info): enough rows for pages of 2 on each list,
 * in every order. YC-TAX publishes three SHARED TAX_ARREARS entries, then one RESTRICTED ZOMBIE entry (only the tax
 * bureau and the office see it) twice (the second changes nothing: a third publication); YC-COURT (晋08) registers
 * three cases, the third without employees affected or risk.
 */
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import type { TestHub } from './hub';

export const pagedUscc = (n: number) => {
  const first17 = `91140802MA0P${String(n).padStart(5, '0')}`;
  return first17 + usccCheckCharacter(first17);
};

export async function seedPagedLists(t: TestHub): Promise<{ tax: string; court: string }> {
  const tax = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
  const court = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', '晋08');
  const publish = async (input: Record<string, unknown>) => {
    const result = await t.gql(
      `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed rejected { index field message } } }`,
      { input: { mode: 'SNAPSHOT', classification: 'SHARED', ...input } },
      tax,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.publishRiskList).toEqual({ committed: true, rejected: [] });
  };
  const row = (n: number) => ({
    uscc: pagedUscc(n),
    enterpriseName: `盐湖区测试${n}有限公司`,
    riskLevel: ['RED', 'ORANGE', 'YELLOW', 'BLUE'][n - 1],
  });
  await publish({
    listType: 'TAX_ARREARS',
    idempotencyKey: 'paged-lists-1',
    entries: [1, 2, 3].map((n) => ({ ...row(n), categories: ['FINANCIAL'], amount: `${n}00.50`, details: { taxTypes: ['增值税'] } })),
  });
  // An entry without an amount (AMOUNT sorts it as -1), and a third publication for a second page of riskPublications.
  for (const key of ['paged-lists-2', 'paged-lists-3']) {
    await publish({
      listType: 'ZOMBIE',
      classification: 'RESTRICTED',
      idempotencyKey: key,
      entries: [{ ...row(4), categories: ['MARKET'], details: { basis: '连续三年亏损' } }],
    });
  }
  for (const n of [1, 2, 3]) {
    const registered = await t.gql(
      `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
      {
        input: {
          caseNumber: `（2026）晋08破申${n}号`,
          debtorUscc: pagedUscc(n),
          debtorName: `盐湖区测试${n}有限公司`,
          procedure: 'LIQUIDATION',
          appliedOn: '2026-02-01',
          ...(n === 3 ? {} : { employeesAffected: 10 * n, publicOpinionRisk: 'ORANGE' }),
        },
      },
      court,
    );
    expect(registered.errors).toBeUndefined();
  }
  return { tax, court };
}
