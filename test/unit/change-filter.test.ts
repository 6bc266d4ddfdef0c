/**
 * Which changes a consumer receives (src/feed/change-filter.ts `changeTest`): visibility from the sharing columns
 * stored on the change (SHARED, the owner, RESTRICTED shared with the unit's code or kind, the office), then every
 * criterion of the filter, alone and combined, on hand-made changes and principals.
 */
import { Classification, type Sharing } from '../../src/access/classification';
import { Principal, type PrincipalUnit } from '../../src/access/principal';
import { Role } from '../../src/access/roles';
import { ChangeKind, ChangeTopic } from '../../src/change-log/change-log';
import { changeTest, type ChangeFilterSpec } from '../../src/feed/change-filter';
import type { ActingUnit, StoredChange } from '../../src/change-log/change-reader';
import { UnitKind } from '../../src/access/unit-kind';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const UNITS = {
  office: { id: id(1), code: 'OFFICE', name: '府院联动机制办公室', kind: UnitKind.OTHER, regionCode: '140800', isOffice: true },
  tax: { id: id(2), code: 'YC-TAX', name: '运城市税务局', kind: UnitKind.TAX, regionCode: '140800', isOffice: false },
  court: { id: id(3), code: 'YC-COURT', name: '运城市中级人民法院', kind: UnitKind.COURT, regionCode: '140800', isOffice: false },
  court2: { id: id(4), code: 'YC-COURT2', name: '盐湖区人民法院', kind: UnitKind.COURT, regionCode: '140802', isOffice: false },
  pboc: { id: id(5), code: 'YC-PBOC', name: '人民银行运城分行', kind: UnitKind.PBOC, regionCode: '140800', isOffice: false },
  market: { id: id(6), code: 'YC-SCJG', name: '运城市市场监管局', kind: UnitKind.MARKET_REGULATION, regionCode: '140800', isOffice: false },
} satisfies Record<string, PrincipalUnit>;
type UnitName = keyof typeof UNITS;

const principal = (name: UnitName, roles: Role[] = [Role.READ]) => new Principal(UNITS[name], roles, id(100 + Object.keys(UNITS).indexOf(name)));
const unitOf = (name: UnitName): ActingUnit => ({ ...UNITS[name], active: true, createdAt: new Date(0), updatedAt: new Date(0) });

const shared = (owner: UnitName): Sharing => ({
  classification: Classification.SHARED,
  ownerUnitId: UNITS[owner].id,
  sharedUnitCodes: [],
  sharedKinds: [],
});
const restricted = (owner: UnitName, sharedUnitCodes: string[] = [], sharedKinds: UnitKind[] = []): Sharing => ({
  classification: Classification.RESTRICTED,
  ownerUnitId: UNITS[owner].id,
  sharedUnitCodes,
  sharedKinds,
});

let seq = 0;
/** A change as the reader yields it: a SHARED list entry of YC-TAX acted by YC-TAX unless `over` says otherwise. */
function change(over: Partial<StoredChange> = {}): StoredChange {
  seq += 1;
  const position = { seq, ordinal: 1 };
  return {
    position,
    topic: ChangeTopic.RISK_ENTRY,
    kind: ChangeKind.CREATED,
    occurredAt: new Date('2026-05-01T02:00:00Z'),
    entityId: id(1000 + seq),
    actingUnit: unitOf('tax'),
    actorCredentialId: id(102),
    sharing: shared('tax'),
    listType: 'TAX_ARREARS',
    riskLevel: 3,
    regionCode: '140802',
    uscc: '91140802MA0K000011',
    caseId: null,
    payload: {},
    ...over,
  };
}

/** A change of a case (topic CASE): no list type, the case's id, its debtor and court. */
function caseChange(caseId: string, over: Partial<StoredChange> = {}): StoredChange {
  return change({
    topic: ChangeTopic.CASE,
    kind: ChangeKind.CREATED,
    entityId: caseId,
    actingUnit: unitOf('court'),
    sharing: shared('court'),
    listType: null,
    riskLevel: null,
    regionCode: '140802',
    uscc: '91140802MA0K000022',
    caseId,
    ...over,
  });
}

const passes = (who: Principal, spec: ChangeFilterSpec, item: StoredChange) => changeTest(who, spec)(item);

// ---------------------------------------------------------------------------------------------------------------
describe('visibility', () => {
  const everyone: UnitName[] = ['office', 'tax', 'court', 'court2', 'pboc', 'market'];
  const seers = (item: StoredChange, spec: ChangeFilterSpec = {}) => everyone.filter((name) => passes(principal(name), spec, item));

  it('a SHARED change reaches every unit', () => {
    expect(seers(change({ sharing: shared('tax') }))).toEqual(everyone);
    expect(seers(caseChange(id(500), { sharing: shared('court') }))).toEqual(everyone);
  });

  it('a RESTRICTED change shared with nobody reaches its owner and the office only', () => {
    expect(seers(change({ sharing: restricted('tax') }))).toEqual(['office', 'tax']);
    expect(seers(caseChange(id(501), { sharing: restricted('court') }))).toEqual(['office', 'court']);
  });

  it('the owner is the owning unit, not the acting one (a correction by the office for YC-TAX)', () => {
    expect(seers(change({ sharing: restricted('tax'), actingUnit: unitOf('office') }))).toEqual(['office', 'tax']);
    // Acting on a record does not make a unit see it.
    expect(seers(change({ sharing: restricted('tax'), actingUnit: unitOf('pboc') }))).toEqual(['office', 'tax']);
  });

  it('RESTRICTED shared with a unit code reaches that unit, not others of its kind', () => {
    expect(seers(change({ sharing: restricted('tax', ['YC-COURT']) }))).toEqual(['office', 'tax', 'court']);
    expect(seers(change({ sharing: restricted('tax', ['YC-COURT', 'YC-PBOC']) }))).toEqual(['office', 'tax', 'court', 'pboc']);
  });

  it('a unit code matches exactly (no prefix, no other case)', () => {
    expect(seers(change({ sharing: restricted('tax', ['YC-COURT2']) }))).toEqual(['office', 'tax', 'court2']);
    expect(seers(change({ sharing: restricted('tax', ['YC-COUR']) }))).toEqual(['office', 'tax']);
    expect(seers(change({ sharing: restricted('tax', ['yc-court']) }))).toEqual(['office', 'tax']);
  });

  it('RESTRICTED shared with a unit kind reaches every unit of that kind', () => {
    expect(seers(change({ sharing: restricted('tax', [], [UnitKind.COURT]) }))).toEqual(['office', 'tax', 'court', 'court2']);
    expect(seers(change({ sharing: restricted('tax', [], [UnitKind.PBOC]) }))).toEqual(['office', 'tax', 'pboc']);
    expect(seers(change({ sharing: restricted('court', ['YC-SCJG'], [UnitKind.TAX]) }))).toEqual(['office', 'tax', 'court', 'market']);
  });

  it('the office sees every change, including a credential revocation no one else sees', () => {
    const revocation = change({
      topic: ChangeTopic.CREDENTIAL,
      kind: ChangeKind.REVOKED,
      actingUnit: unitOf('office'),
      sharing: restricted('office'),
      listType: null,
      riskLevel: null,
      regionCode: null,
      uscc: null,
    });
    expect(seers(revocation)).toEqual(['office']);
    // A RESTRICTED change of another owner, shared with nobody, still reaches the office.
    expect(seers(change({ sharing: restricted('pboc') }))).toEqual(['office', 'pboc']);
  });

  it('visibility follows the unit, not the roles', () => {
    const item = change({ sharing: restricted('tax', ['YC-COURT']) });
    expect(passes(principal('pboc', [Role.READ, Role.SUBSCRIBE, Role.ANALYZE, Role.PERSONAL_DATA, Role.ADMIN]), {}, item)).toBe(false);
    expect(passes(principal('court', [Role.SUBSCRIBE]), {}, item)).toBe(true);
  });

  it('a filter cannot widen visibility: a RESTRICTED change that matches every criterion still does not reach others', () => {
    const caseId = id(502);
    const item = caseChange(caseId, { sharing: restricted('court'), riskLevel: 1 });
    const spec: ChangeFilterSpec = {
      topics: [ChangeTopic.CASE],
      kinds: [ChangeKind.CREATED],
      minRiskLevel: 4,
      regionPrefix: '14',
      usccs: [item.uscc!],
      caseIds: [caseId],
      actingUnitIds: [UNITS.court.id],
    };
    expect(seers(item, spec)).toEqual(['office', 'court']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('each criterion alone', () => {
  const office = principal('office');
  const tax = principal('tax');

  it('no criterion (empty spec, nulls, undefined) passes whatever the caller sees', () => {
    const items = [change(), caseChange(id(600)), change({ listType: null, riskLevel: null, regionCode: null, uscc: null, actingUnit: null })];
    const none: ChangeFilterSpec = {
      topics: null,
      kinds: null,
      listTypes: null,
      minRiskLevel: null,
      regionPrefix: null,
      usccs: null,
      caseIds: null,
      actingUnitIds: null,
    };
    for (const item of items) {
      expect(passes(tax, {}, item)).toBe(true);
      expect(passes(tax, none, item)).toBe(true);
      expect(passes(tax, { topics: undefined, minRiskLevel: undefined, regionPrefix: undefined }, item)).toBe(true);
    }
  });

  it('topics', () => {
    const entry = change();
    const kase = caseChange(id(601));
    const progress = caseChange(id(601), { topic: ChangeTopic.CASE_PROGRESS, kind: ChangeKind.PROGRESS_ADDED, entityId: id(602) });
    expect(passes(office, { topics: [ChangeTopic.RISK_ENTRY] }, entry)).toBe(true);
    expect(passes(office, { topics: [ChangeTopic.RISK_ENTRY] }, kase)).toBe(false);
    expect(passes(office, { topics: [ChangeTopic.CASE] }, kase)).toBe(true);
    expect(passes(office, { topics: [ChangeTopic.CASE] }, progress)).toBe(false);
    expect(passes(office, { topics: [ChangeTopic.CASE_PROGRESS] }, progress)).toBe(true);
    expect(passes(office, { topics: [ChangeTopic.CASE, ChangeTopic.CASE_PROGRESS] }, progress)).toBe(true);
    expect(passes(office, { topics: [ChangeTopic.CASE, ChangeTopic.CASE_PROGRESS] }, entry)).toBe(false);
    expect(passes(office, { topics: [ChangeTopic.CREDENTIAL] }, entry)).toBe(false);
  });

  it('kinds', () => {
    const updated = change({ kind: ChangeKind.UPDATED });
    const withdrawn = change({ kind: ChangeKind.WITHDRAWN });
    const staged = caseChange(id(603), { kind: ChangeKind.STAGE_CHANGED });
    expect(passes(office, { kinds: [ChangeKind.UPDATED] }, updated)).toBe(true);
    expect(passes(office, { kinds: [ChangeKind.UPDATED] }, withdrawn)).toBe(false);
    expect(passes(office, { kinds: [ChangeKind.CREATED] }, updated)).toBe(false);
    expect(passes(office, { kinds: [ChangeKind.WITHDRAWN, ChangeKind.STAGE_CHANGED] }, withdrawn)).toBe(true);
    expect(passes(office, { kinds: [ChangeKind.WITHDRAWN, ChangeKind.STAGE_CHANGED] }, staged)).toBe(true);
    expect(passes(office, { kinds: [ChangeKind.WITHDRAWN, ChangeKind.STAGE_CHANGED] }, updated)).toBe(false);
  });

  it('listTypes: a change without a list type (a case) does not pass', () => {
    const arrears = change({ listType: 'TAX_ARREARS' });
    const zombie = change({ listType: 'ZOMBIE' });
    const kase = caseChange(id(604));
    expect(passes(office, { listTypes: ['TAX_ARREARS'] }, arrears)).toBe(true);
    expect(passes(office, { listTypes: ['TAX_ARREARS'] }, zombie)).toBe(false);
    expect(passes(office, { listTypes: ['ZOMBIE', 'TAX_ARREARS'] }, zombie)).toBe(true);
    expect(passes(office, { listTypes: ['TAX_ARREARS'] }, kase)).toBe(false);
  });

  it('minRiskLevel: at least this severe (1 RED … 4 BLUE); a change without a level does not pass', () => {
    const at = (riskLevel: number | null) => change({ riskLevel });
    const levels = [1, 2, 3, 4];
    const passing = (min: number) => levels.filter((level) => passes(office, { minRiskLevel: min }, at(level)));
    expect(passing(1)).toEqual([1]); // RED: RED only
    expect(passing(2)).toEqual([1, 2]); // ORANGE: ORANGE or RED
    expect(passing(3)).toEqual([1, 2, 3]); // YELLOW
    expect(passing(4)).toEqual([1, 2, 3, 4]); // BLUE: every level
    for (const min of levels) expect(passes(office, { minRiskLevel: min }, at(null))).toBe(false);
    expect(passes(office, { minRiskLevel: 2 }, caseChange(id(605), { riskLevel: null }))).toBe(false);
    expect(passes(office, { minRiskLevel: 2 }, caseChange(id(605), { riskLevel: 2 }))).toBe(true);
  });

  it("regionPrefix: a prefix of the change's region; a change without a region does not pass", () => {
    const yanhu = change({ regionCode: '140802' });
    const taiyuan = change({ regionCode: '140105' });
    const beijing = change({ regionCode: '110101' });
    const nowhere = change({ regionCode: null });
    const matching = (prefix: string) => [yanhu, taiyuan, beijing, nowhere].filter((item) => passes(office, { regionPrefix: prefix }, item));
    expect(matching('14')).toEqual([yanhu, taiyuan]);
    expect(matching('1408')).toEqual([yanhu]);
    expect(matching('140802')).toEqual([yanhu]);
    expect(matching('140803')).toEqual([]);
    expect(matching('1401')).toEqual([taiyuan]);
    expect(matching('11')).toEqual([beijing]);
    // A prefix matches at the start only.
    expect(matching('08')).toEqual([]);
  });

  it('usccs: a change without an enterprise does not pass', () => {
    const a = change({ uscc: '91140802MA0K000011' });
    const b = caseChange(id(606), { uscc: '91140802MA0K000022' });
    const none = change({ uscc: null, topic: ChangeTopic.CREDENTIAL, kind: ChangeKind.REVOKED });
    expect(passes(office, { usccs: ['91140802MA0K000011'] }, a)).toBe(true);
    expect(passes(office, { usccs: ['91140802MA0K000011'] }, b)).toBe(false);
    expect(passes(office, { usccs: ['91140802MA0K000011', '91140802MA0K000022'] }, b)).toBe(true);
    expect(passes(office, { usccs: ['91140802MA0K000011'] }, none)).toBe(false);
  });

  it('caseIds: changes of those cases and their progress entries; a change without a case does not pass', () => {
    const caseId = id(607);
    const other = id(608);
    const kase = caseChange(caseId);
    const progress = caseChange(caseId, { topic: ChangeTopic.CASE_PROGRESS, kind: ChangeKind.PROGRESS_ADDED, entityId: id(609) });
    const otherCase = caseChange(other);
    const entry = change({ caseId: null });
    expect(passes(office, { caseIds: [caseId] }, kase)).toBe(true);
    expect(passes(office, { caseIds: [caseId] }, progress)).toBe(true);
    expect(passes(office, { caseIds: [caseId] }, otherCase)).toBe(false);
    expect(passes(office, { caseIds: [caseId, other] }, otherCase)).toBe(true);
    expect(passes(office, { caseIds: [caseId] }, entry)).toBe(false);
  });

  it('actingUnitIds: the unit that made the change (by id); a change without an acting unit does not pass', () => {
    const byTax = change({ actingUnit: unitOf('tax') });
    const byOffice = change({ actingUnit: unitOf('office'), sharing: shared('tax') });
    const byHub = change({ actingUnit: null, actorCredentialId: null });
    expect(passes(office, { actingUnitIds: [UNITS.tax.id] }, byTax)).toBe(true);
    expect(passes(office, { actingUnitIds: [UNITS.tax.id] }, byOffice)).toBe(false); // the owner is YC-TAX, the actor the office
    expect(passes(office, { actingUnitIds: [UNITS.office.id] }, byOffice)).toBe(true);
    expect(passes(office, { actingUnitIds: [UNITS.tax.id, UNITS.office.id] }, byOffice)).toBe(true);
    expect(passes(office, { actingUnitIds: [UNITS.tax.id] }, byHub)).toBe(false);
    expect(passes(office, { actingUnitIds: [UNITS.office.id, UNITS.tax.id, UNITS.court.id] }, byHub)).toBe(false);
    // Ids, not codes: a code in the list names no unit.
    expect(passes(office, { actingUnitIds: ['YC-TAX'] }, byTax)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('criteria combined: every criterion given must hold', () => {
  const office = principal('office');
  const caseId = id(700);
  const spec: ChangeFilterSpec = {
    topics: [ChangeTopic.CASE, ChangeTopic.CASE_PROGRESS],
    kinds: [ChangeKind.STAGE_CHANGED, ChangeKind.PROGRESS_ADDED],
    minRiskLevel: 2,
    regionPrefix: '1408',
    usccs: ['91140802MA0K000022'],
    caseIds: [caseId],
    actingUnitIds: [UNITS.court.id, UNITS.tax.id],
  };
  const matching = caseChange(caseId, { kind: ChangeKind.STAGE_CHANGED, riskLevel: 2, regionCode: '140802', uscc: '91140802MA0K000022' });

  it('a change that meets them all passes', () => {
    expect(passes(office, spec, matching)).toBe(true);
    expect(passes(office, spec, { ...matching, topic: ChangeTopic.CASE_PROGRESS, kind: ChangeKind.PROGRESS_ADDED, actingUnit: unitOf('tax') })).toBe(
      true,
    );
  });

  it.each<[string, Partial<StoredChange>]>([
    ['its topic', { topic: ChangeTopic.RISK_ENTRY }],
    ['its kind', { kind: ChangeKind.UPDATED }],
    ['its level (YELLOW)', { riskLevel: 3 }],
    ['its level (none)', { riskLevel: null }],
    ['its region', { regionCode: '140105' }],
    ['its region (none)', { regionCode: null }],
    ['its enterprise', { uscc: '91140802MA0K000033' }],
    ['its case', { caseId: id(701) }],
    ['its case (none)', { caseId: null }],
    ['its acting unit', { actingUnit: unitOf('pboc') }],
    ['its acting unit (none)', { actingUnit: null }],
  ])('a change that misses only %s does not pass', (_, over) => {
    expect(passes(office, spec, { ...matching, ...over })).toBe(false);
  });

  it('a listTypes criterion excludes every case change even when the rest matches', () => {
    expect(passes(office, { ...spec, listTypes: ['TAX_ARREARS'] }, matching)).toBe(false);
  });

  it('a list entry passes a combination of list criteria and fails when one of them is off', () => {
    const entry = change({
      listType: 'LOAN_OVERDUE',
      riskLevel: 1,
      regionCode: '140802',
      uscc: '91140802MA0K000044',
      actingUnit: unitOf('pboc'),
      sharing: shared('pboc'),
    });
    const entrySpec: ChangeFilterSpec = {
      topics: [ChangeTopic.RISK_ENTRY],
      kinds: [ChangeKind.CREATED],
      listTypes: ['LOAN_OVERDUE'],
      minRiskLevel: 1,
      regionPrefix: '14',
      usccs: ['91140802MA0K000044'],
      actingUnitIds: [UNITS.pboc.id],
    };
    expect(passes(office, entrySpec, entry)).toBe(true);
    expect(passes(principal('court'), entrySpec, entry)).toBe(true);
    expect(passes(office, { ...entrySpec, minRiskLevel: 1 }, { ...entry, riskLevel: 2 })).toBe(false);
    expect(passes(office, { ...entrySpec, listTypes: ['ZOMBIE'] }, entry)).toBe(false);
    expect(passes(office, { ...entrySpec, caseIds: [id(702)] }, entry)).toBe(false);
    expect(passes(principal('court'), entrySpec, { ...entry, sharing: restricted('pboc') })).toBe(false);
  });

  it('one compiled test answers many changes, and the same change alike each time', () => {
    const test = changeTest(office, { topics: [ChangeTopic.CASE] });
    const items = [change(), caseChange(id(703)), change(), caseChange(id(704))];
    expect(items.map(test)).toEqual([false, true, false, true]);
    expect(items.map(test)).toEqual([false, true, false, true]);
  });
});
