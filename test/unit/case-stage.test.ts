import {
  allowedMoves,
  CaseProcedure,
  caseRiskLevel,
  CaseStage,
  checkStageMove,
  END_STAGES,
  registrableStages,
} from '../../src/modules/cases/case-stage';

/*
 * The specification of the stage moves, written out independently of the module's tables (STAGE_MOVES,
 * CONVERSIONS are deliberately not imported): one line per procedure and from-stage, listing the stages the
 * procedure allows next without a conversion. Any from-stage missing here allows nothing.
 */
const SPEC_MOVES = `
  LIQUIDATION: APPLIED -> ACCEPTED, DISMISSED
  LIQUIDATION: ACCEPTED -> CLAIMS_FILING, DECLARED_BANKRUPT, CLOSED, DISMISSED
  LIQUIDATION: CLAIMS_FILING -> CREDITORS_MEETING, DECLARED_BANKRUPT, CLOSED, DISMISSED
  LIQUIDATION: CREDITORS_MEETING -> DECLARED_BANKRUPT, CLOSED, DISMISSED
  LIQUIDATION: DECLARED_BANKRUPT -> REALIZATION, CLOSED
  LIQUIDATION: REALIZATION -> DISTRIBUTION, CLOSED
  LIQUIDATION: DISTRIBUTION -> CLOSED

  REORGANIZATION: APPLIED -> ACCEPTED, DISMISSED
  REORGANIZATION: ACCEPTED -> CLAIMS_FILING, PLAN, DECLARED_BANKRUPT, DISMISSED
  REORGANIZATION: CLAIMS_FILING -> CREDITORS_MEETING, PLAN, DECLARED_BANKRUPT
  REORGANIZATION: CREDITORS_MEETING -> PLAN, DECLARED_BANKRUPT
  REORGANIZATION: PLAN -> PLAN_EXECUTION, DECLARED_BANKRUPT
  REORGANIZATION: PLAN_EXECUTION -> TERMINATED, DECLARED_BANKRUPT

  CONCILIATION: APPLIED -> ACCEPTED, DISMISSED
  CONCILIATION: ACCEPTED -> CLAIMS_FILING, DISMISSED
  CONCILIATION: CLAIMS_FILING -> CREDITORS_MEETING
  CONCILIATION: CREDITORS_MEETING -> PLAN, PLAN_EXECUTION, DECLARED_BANKRUPT
  CONCILIATION: PLAN -> PLAN_EXECUTION, DECLARED_BANKRUPT
  CONCILIATION: PLAN_EXECUTION -> TERMINATED, DECLARED_BANKRUPT

  PRE_REORGANIZATION: APPLIED -> PLAN, DISMISSED
  PRE_REORGANIZATION: PLAN -> DISMISSED

  COMPULSORY_LIQUIDATION: APPLIED -> ACCEPTED, DISMISSED
  COMPULSORY_LIQUIDATION: ACCEPTED -> CLAIMS_FILING, CLOSED, DISMISSED
  COMPULSORY_LIQUIDATION: CLAIMS_FILING -> PLAN, REALIZATION, CLOSED
  COMPULSORY_LIQUIDATION: PLAN -> REALIZATION, DISTRIBUTION, CLOSED
  COMPULSORY_LIQUIDATION: REALIZATION -> DISTRIBUTION, CLOSED
  COMPULSORY_LIQUIDATION: DISTRIBUTION -> CLOSED
`;

/**
 * The conversions of the specification. `targets`:
 * - 'stay-or-new-table': the current stage itself, or any stage the NEW procedure's table allows from it, except
 *   DECLARED_BANKRUPT and the end stages (converting and at once being declared bankrupt or ending is no
 *   conversion: the case does that as it is);
 * - 'accepted-only': only the move to ACCEPTED.
 */
const SPEC_CONVERSIONS = `
  LIQUIDATION at ACCEPTED, CLAIMS_FILING, CREDITORS_MEETING into REORGANIZATION, CONCILIATION: stay-or-new-table
  PRE_REORGANIZATION at APPLIED, PLAN into REORGANIZATION, LIQUIDATION, CONCILIATION: accepted-only
`;

/** Declaring bankrupt turns these into a liquidation. */
const SPEC_DECLARATION_TURNS_INTO_LIQUIDATION: readonly string[] = ['REORGANIZATION', 'CONCILIATION'];

const PROCEDURES: CaseProcedure[] = [
  CaseProcedure.LIQUIDATION,
  CaseProcedure.REORGANIZATION,
  CaseProcedure.CONCILIATION,
  CaseProcedure.PRE_REORGANIZATION,
  CaseProcedure.COMPULSORY_LIQUIDATION,
];
const STAGES: CaseStage[] = [
  CaseStage.APPLIED,
  CaseStage.ACCEPTED,
  CaseStage.CLAIMS_FILING,
  CaseStage.CREDITORS_MEETING,
  CaseStage.PLAN,
  CaseStage.PLAN_EXECUTION,
  CaseStage.DECLARED_BANKRUPT,
  CaseStage.REALIZATION,
  CaseStage.DISTRIBUTION,
  CaseStage.CLOSED,
  CaseStage.TERMINATED,
  CaseStage.DISMISSED,
];
const SPEC_END_STAGES: readonly string[] = ['CLOSED', 'TERMINATED', 'DISMISSED'];

const splitList = (list: string): string[] =>
  list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** procedure -> from-stage -> to-stages (no conversion). */
const specMoves = new Map<string, Map<string, string[]>>();
for (const line of SPEC_MOVES.split('\n')
  .map((l) => l.trim())
  .filter(Boolean)) {
  const match = /^(\w+): (\w+) -> (.+)$/.exec(line);
  if (!match) throw new Error(`bad spec line: ${line}`);
  const [, procedure, from, targets] = match;
  if (!specMoves.has(procedure)) specMoves.set(procedure, new Map());
  const byStage = specMoves.get(procedure)!;
  if (byStage.has(from)) throw new Error(`duplicate spec line: ${line}`);
  byStage.set(from, splitList(targets));
}

interface SpecConversion {
  from: string;
  at: string[];
  into: string[];
  targets: 'stay-or-new-table' | 'accepted-only';
}
const specConversions: SpecConversion[] = SPEC_CONVERSIONS.split('\n')
  .map((l) => l.trim())
  .filter(Boolean)
  .map((line) => {
    const match = /^(\w+) at (.+) into (.+): (stay-or-new-table|accepted-only)$/.exec(line);
    if (!match) throw new Error(`bad conversion line: ${line}`);
    return { from: match[1], at: splitList(match[2]), into: splitList(match[3]), targets: match[4] as SpecConversion['targets'] };
  });

const specTable = (procedure: string, from: string): string[] => specMoves.get(procedure)?.get(from) ?? [];

/** The procedure after a move to `to` in `procedure` (the one a declaration turns a case into). */
const resulting = (procedure: string, to: string): string =>
  to === 'DECLARED_BANKRUPT' && SPEC_DECLARATION_TURNS_INTO_LIQUIDATION.includes(procedure) ? 'LIQUIDATION' : procedure;

/** The moves the spec allows without a conversion (toProcedure omitted), written `TO => PROCEDURE AFTER`. */
function specPlainMoves(procedure: string, from: string): string[] {
  if (SPEC_END_STAGES.includes(from)) return [];
  const moves = specTable(procedure, from).map((to) => `${to} => ${resulting(procedure, to)}`);
  // With toProcedure omitted, a pre-reorganisation's move to ACCEPTED means a reorganisation.
  const preReorganization = specConversions.find((c) => c.from === procedure && c.targets === 'accepted-only' && c.at.includes(from));
  if (procedure === 'PRE_REORGANIZATION' && preReorganization) moves.push(`ACCEPTED => REORGANIZATION`);
  return moves;
}

/** The moves the spec allows converting `procedure` at `from` into `into` (≠ procedure). */
function specConvertingMoves(procedure: string, from: string, into: string): string[] {
  if (SPEC_END_STAGES.includes(from)) return [];
  const conversion = specConversions.find((c) => c.from === procedure && c.at.includes(from) && c.into.includes(into));
  if (!conversion) return [];
  const targets =
    conversion.targets === 'accepted-only'
      ? ['ACCEPTED']
      : [from, ...specTable(into, from)].filter((to) => to !== 'DECLARED_BANKRUPT' && !SPEC_END_STAGES.includes(to));
  return targets.map((to) => `${to} => ${resulting(into, to)}`);
}

/** Every stage the spec allows next from `procedure` at `from`, under any toProcedure. */
function specAllNextStages(procedure: string, from: string): string[] {
  const stages = new Set(specPlainMoves(procedure, from).map((move) => move.split(' => ')[0]));
  for (const into of PROCEDURES) {
    if (into !== procedure) for (const move of specConvertingMoves(procedure, from, into)) stages.add(move.split(' => ')[0]);
  }
  return [...stages];
}

/**
 * Naming the liquidation that a declaration of bankruptcy leads to (toProcedure LIQUIDATION for a reorganisation
 * or conciliation moving to DECLARED_BANKRUPT) is no conversion: it is the plain declaration.
 */
const namedDeclaration = (procedure: string, from: string, into: string): string[] =>
  into === 'LIQUIDATION' && SPEC_DECLARATION_TURNS_INTO_LIQUIDATION.includes(procedure)
    ? specPlainMoves(procedure, from).filter((move) => move.startsWith('DECLARED_BANKRUPT '))
    : [];

/** The stage name as a whole word (PLAN does not match inside PLAN_EXECUTION). */
const namesStage = (message: string, stage: string): boolean => new RegExp(`(?<![A-Z_])${stage}(?![A-Z_])`).test(message);

/**
 * Runs checkStageMove for every to-stage and returns the allowed ones as `TO => PROCEDURE AFTER`; checks on the
 * way that every refusal has the right kind of rule and names the stages allowed next.
 */
function moduleMoves(procedure: CaseProcedure, from: CaseStage, into: CaseProcedure | undefined): string[] {
  const allowed: string[] = [];
  const problems: string[] = [];
  const nextStages = specAllNextStages(procedure, from);
  for (const to of STAGES) {
    const result = checkStageMove(procedure, from, to, into);
    if (result.ok) {
      allowed.push(`${result.value.stage} => ${result.value.procedure}`);
      if (result.value.stage !== to) problems.push(`${to}: allowed but the result's stage is ${result.value.stage}`);
      continue;
    }
    if (SPEC_END_STAGES.includes(from)) {
      if (result.rule !== 'end') problems.push(`${to}: refused with rule ${result.rule}, expected 'end'`);
      continue;
    }
    if (!['same', 'conversion', 'stage'].includes(result.rule)) problems.push(`${to}: refused with rule ${result.rule}`);
    const missing = nextStages.filter((stage) => !namesStage(result.message, stage));
    if (missing.length) problems.push(`${to}: the refusal "${result.message}" does not name ${missing.join(', ')}`);
  }
  expect({ procedure, from, into, problems }).toEqual({ procedure, from, into, problems: [] });
  return allowed;
}

const sorted = (list: readonly string[]): string[] => [...list].sort();

const pairs: [CaseProcedure, CaseStage][] = PROCEDURES.flatMap((procedure) => STAGES.map((from): [CaseProcedure, CaseStage] => [procedure, from]));
const conversionTriples: [CaseProcedure, CaseStage, CaseProcedure][] = pairs.flatMap(([procedure, from]) =>
  PROCEDURES.filter((into) => into !== procedure).map((into): [CaseProcedure, CaseStage, CaseProcedure] => [procedure, from, into]),
);

describe('the specification tables themselves', () => {
  it('name only known procedures and stages', () => {
    const names: string[] = [];
    for (const [procedure, byStage] of specMoves) {
      names.push(procedure);
      for (const [from, targets] of byStage) names.push(from, ...targets);
    }
    for (const conversion of specConversions) names.push(conversion.from, ...conversion.at, ...conversion.into);
    const known = new Set<string>([...PROCEDURES, ...STAGES]);
    expect(names.filter((name) => !known.has(name))).toEqual([]);
    expect(specMoves.size).toBe(5);
  });

  it('END_STAGES are CLOSED, TERMINATED and DISMISSED', () => {
    expect(sorted(END_STAGES)).toEqual(sorted(SPEC_END_STAGES));
  });
});

describe('stage moves without a conversion (toProcedure omitted): every procedure, from-stage and to-stage', () => {
  it.each(pairs)('%s at %s', (procedure, from) => {
    expect({ procedure, from, allowed: sorted(moduleMoves(procedure, from, undefined)) }).toEqual({
      procedure,
      from,
      allowed: sorted(specPlainMoves(procedure, from)),
    });
  });
});

describe('toProcedure equal to the current procedure is the same as omitting it', () => {
  it.each(pairs)('%s at %s', (procedure, from) => {
    expect({ procedure, from, allowed: sorted(moduleMoves(procedure, from, procedure)) }).toEqual({
      procedure,
      from,
      allowed: sorted(specPlainMoves(procedure, from)),
    });
  });
});

describe('conversions: every procedure, from-stage, to-stage and other toProcedure', () => {
  it.each(conversionTriples)('%s at %s into %s', (procedure, from, into) => {
    expect({ procedure, from, into, allowed: sorted(moduleMoves(procedure, from, into)) }).toEqual({
      procedure,
      from,
      into,
      allowed: sorted([...specConvertingMoves(procedure, from, into), ...namedDeclaration(procedure, from, into)]),
    });
  });
});

describe('allowedMoves agrees with the specification', () => {
  it.each(pairs)('%s at %s', (procedure, from) => {
    const moves = allowedMoves(procedure, from);
    const stages = sorted([...new Set(moves.map((move) => move.stage as string))]);
    expect({ procedure, from, stages }).toEqual({ procedure, from, stages: sorted(specAllNextStages(procedure, from)) });
    const pairsGiven = new Set(moves.map((move) => `${move.stage} => ${move.procedure}`));
    const expectedPairs = [
      ...specPlainMoves(procedure, from),
      ...PROCEDURES.filter((into) => into !== procedure).flatMap((into) => specConvertingMoves(procedure, from, into)),
    ];
    expect({ procedure, from, missing: expectedPairs.filter((pair) => !pairsGiven.has(pair)) }).toEqual({ procedure, from, missing: [] });
  });
});

describe('stage moves: the examples of the issue', () => {
  const { LIQUIDATION, REORGANIZATION, CONCILIATION, PRE_REORGANIZATION, COMPULSORY_LIQUIDATION } = CaseProcedure;
  const {
    APPLIED,
    ACCEPTED,
    CLAIMS_FILING,
    CREDITORS_MEETING,
    PLAN,
    PLAN_EXECUTION,
    DECLARED_BANKRUPT,
    REALIZATION,
    DISTRIBUTION,
    CLOSED,
    TERMINATED,
    DISMISSED,
  } = CaseStage;

  it('a liquidation never goes back to APPLIED, from any later stage and under any toProcedure', () => {
    const allowed: string[] = [];
    for (const from of STAGES.filter((stage) => stage !== APPLIED)) {
      for (const into of [undefined, ...PROCEDURES]) {
        if (checkStageMove(LIQUIDATION, from, APPLIED, into).ok) allowed.push(`${from} -> APPLIED as ${into ?? '(omitted)'}`);
      }
    }
    expect(allowed).toEqual([]);
  });

  it('a liquidation at ACCEPTED refused APPLIED names the stages allowed next', () => {
    const result = checkStageMove(LIQUIDATION, ACCEPTED, APPLIED);
    expect(result).toMatchObject({ ok: false, rule: 'stage' });
    if (result.ok) return;
    for (const stage of [CLAIMS_FILING, DECLARED_BANKRUPT, CLOSED, DISMISSED]) expect(result.message).toContain(stage);
  });

  it.each([
    [REORGANIZATION, CREDITORS_MEETING, CLOSED, [PLAN, DECLARED_BANKRUPT]],
    [CONCILIATION, CREDITORS_MEETING, TERMINATED, [PLAN, PLAN_EXECUTION, DECLARED_BANKRUPT]],
    [COMPULSORY_LIQUIDATION, CLAIMS_FILING, DECLARED_BANKRUPT, [PLAN, REALIZATION, CLOSED]],
    [LIQUIDATION, DECLARED_BANKRUPT, DISTRIBUTION, [REALIZATION, CLOSED]],
    [PRE_REORGANIZATION, APPLIED, CLAIMS_FILING, [PLAN, DISMISSED, ACCEPTED]],
  ])('%s at %s refused %s names %j', (procedure, from, to, named) => {
    const result = checkStageMove(procedure, from, to);
    expect(result).toMatchObject({ ok: false, rule: 'stage' });
    if (result.ok) return;
    for (const stage of named) expect(namesStage(result.message, stage)).toBe(true);
  });

  it('a reorganisation may go from PLAN to DECLARED_BANKRUPT and becomes a liquidation', () => {
    expect(checkStageMove(REORGANIZATION, PLAN, DECLARED_BANKRUPT)).toMatchObject({
      ok: true,
      value: { stage: DECLARED_BANKRUPT, procedure: LIQUIDATION },
    });
  });

  it('a conciliation declared bankrupt becomes a liquidation too', () => {
    expect(checkStageMove(CONCILIATION, PLAN_EXECUTION, DECLARED_BANKRUPT)).toMatchObject({
      ok: true,
      value: { stage: DECLARED_BANKRUPT, procedure: LIQUIDATION },
    });
  });

  it('CLOSED and TERMINATED are kept apart: a reorganisation never reaches CLOSED, a liquidation never TERMINATED', () => {
    const wrong: string[] = [];
    for (const from of STAGES) {
      for (const into of [undefined, ...PROCEDURES]) {
        if (checkStageMove(REORGANIZATION, from, CLOSED, into).ok) wrong.push(`REORGANIZATION ${from} -> CLOSED as ${into ?? '(omitted)'}`);
        if (checkStageMove(LIQUIDATION, from, TERMINATED, into).ok) wrong.push(`LIQUIDATION ${from} -> TERMINATED as ${into ?? '(omitted)'}`);
      }
    }
    expect(wrong).toEqual([]);
    // ... while each reaches its own end.
    expect(checkStageMove(REORGANIZATION, PLAN_EXECUTION, TERMINATED)).toMatchObject({ ok: true, value: { stage: TERMINATED } });
    expect(checkStageMove(LIQUIDATION, DISTRIBUTION, CLOSED)).toMatchObject({ ok: true, value: { stage: CLOSED } });
  });

  it.each(PROCEDURES.flatMap((procedure) => [CLOSED, TERMINATED, DISMISSED].map((end): [CaseProcedure, CaseStage] => [procedure, end])))(
    'from the end stage nothing follows: %s at %s (rule end)',
    (procedure, end) => {
      const rules = new Set<string>();
      for (const to of STAGES) {
        for (const into of [undefined, ...PROCEDURES]) {
          const result = checkStageMove(procedure, end, to, into);
          rules.add(result.ok ? `allowed ${to}` : result.rule);
        }
      }
      expect([...rules]).toEqual(['end']);
      expect(allowedMoves(procedure, end)).toEqual([]);
    },
  );

  it('no move at all is refused', () => {
    expect(checkStageMove(LIQUIDATION, ACCEPTED, ACCEPTED)).toMatchObject({ ok: false, rule: 'same' });
  });

  it('a liquidation at CREDITORS_MEETING may move to PLAN as a reorganisation', () => {
    expect(checkStageMove(LIQUIDATION, CREDITORS_MEETING, PLAN, REORGANIZATION)).toMatchObject({
      ok: true,
      value: { stage: PLAN, procedure: REORGANIZATION },
    });
  });

  it('a liquidation may convert without moving its stage', () => {
    expect(checkStageMove(LIQUIDATION, CLAIMS_FILING, CLAIMS_FILING, CONCILIATION)).toMatchObject({
      ok: true,
      value: { stage: CLAIMS_FILING, procedure: CONCILIATION },
    });
  });

  it('a liquidation at ACCEPTED may not move to PLAN as a conciliation (CONCILIATION allows CLAIMS_FILING, DISMISSED)', () => {
    expect(checkStageMove(LIQUIDATION, ACCEPTED, PLAN, CONCILIATION)).toMatchObject({ ok: false });
    expect(checkStageMove(LIQUIDATION, ACCEPTED, CLAIMS_FILING, CONCILIATION)).toMatchObject({
      ok: true,
      value: { stage: CLAIMS_FILING, procedure: CONCILIATION },
    });
  });

  it('converting and being declared bankrupt at once is refused: the liquidation is declared bankrupt as it is', () => {
    expect(checkStageMove(LIQUIDATION, CREDITORS_MEETING, DECLARED_BANKRUPT, CONCILIATION)).toMatchObject({ ok: false, rule: 'stage' });
    expect(checkStageMove(LIQUIDATION, CREDITORS_MEETING, DECLARED_BANKRUPT)).toMatchObject({
      ok: true,
      value: { stage: DECLARED_BANKRUPT, procedure: LIQUIDATION, converts: false },
    });
  });

  it('naming the liquidation a declaration leads to is the plain declaration', () => {
    expect(checkStageMove(REORGANIZATION, PLAN, DECLARED_BANKRUPT, LIQUIDATION)).toMatchObject({
      ok: true,
      value: { stage: DECLARED_BANKRUPT, procedure: LIQUIDATION, converts: false },
    });
  });

  it('a refusal names each allowed move once, conversions as "STAGE as PROCEDURE"', () => {
    const result = checkStageMove(LIQUIDATION, CREDITORS_MEETING, APPLIED);
    expect(result).toMatchObject({ ok: false, rule: 'stage' });
    const message = (result as { message: string }).message;
    expect(message.match(/(?<![A-Z_])DECLARED_BANKRUPT(?![A-Z_])/g)).toHaveLength(1);
    expect(message).toContain('PLAN as REORGANIZATION');
    expect(message).toContain('CREDITORS_MEETING as CONCILIATION');
  });

  it('a liquidation declared bankrupt no longer converts (rule conversion)', () => {
    expect(checkStageMove(LIQUIDATION, DECLARED_BANKRUPT, DECLARED_BANKRUPT, REORGANIZATION)).toMatchObject({ ok: false, rule: 'conversion' });
    expect(checkStageMove(LIQUIDATION, DECLARED_BANKRUPT, REALIZATION, REORGANIZATION)).toMatchObject({ ok: false, rule: 'conversion' });
  });

  it('a pre-reorganisation accepted by a court becomes a reorganisation unless told otherwise', () => {
    expect(checkStageMove(PRE_REORGANIZATION, PLAN, ACCEPTED)).toMatchObject({ ok: true, value: { stage: ACCEPTED, procedure: REORGANIZATION } });
    expect(checkStageMove(PRE_REORGANIZATION, APPLIED, ACCEPTED, LIQUIDATION)).toMatchObject({
      ok: true,
      value: { stage: ACCEPTED, procedure: LIQUIDATION },
    });
    expect(checkStageMove(PRE_REORGANIZATION, PLAN, PLAN_EXECUTION, REORGANIZATION)).toMatchObject({ ok: false });
    expect(checkStageMove(PRE_REORGANIZATION, PLAN, ACCEPTED, COMPULSORY_LIQUIDATION)).toMatchObject({ ok: false });
  });

  it('no other conversion exists', () => {
    expect(checkStageMove(COMPULSORY_LIQUIDATION, ACCEPTED, CLAIMS_FILING, LIQUIDATION)).toMatchObject({ ok: false });
    expect(checkStageMove(COMPULSORY_LIQUIDATION, ACCEPTED, ACCEPTED, LIQUIDATION)).toMatchObject({ ok: false });
    expect(checkStageMove(REORGANIZATION, PLAN, PLAN, LIQUIDATION)).toMatchObject({ ok: false });
    expect(checkStageMove(CONCILIATION, ACCEPTED, CLAIMS_FILING, REORGANIZATION)).toMatchObject({ ok: false });
  });
});

describe('registrableStages', () => {
  it.each([
    ['LIQUIDATION', 'APPLIED, ACCEPTED, CLAIMS_FILING, CREDITORS_MEETING, DECLARED_BANKRUPT, REALIZATION, DISTRIBUTION'],
    ['REORGANIZATION', 'APPLIED, ACCEPTED, CLAIMS_FILING, CREDITORS_MEETING, PLAN, PLAN_EXECUTION'],
    ['CONCILIATION', 'APPLIED, ACCEPTED, CLAIMS_FILING, CREDITORS_MEETING, PLAN, PLAN_EXECUTION'],
    ['PRE_REORGANIZATION', 'APPLIED, PLAN'],
    ['COMPULSORY_LIQUIDATION', 'APPLIED, ACCEPTED, CLAIMS_FILING, PLAN, REALIZATION, DISTRIBUTION'],
  ])('%s may be registered at %s', (procedure, stages) => {
    expect(sorted(registrableStages(procedure as CaseProcedure))).toEqual(sorted(splitList(stages)));
  });
});

describe('caseRiskLevel: the most severe (lowest) of the known risks', () => {
  it.each([
    [[3, null, 1], 1],
    [[2, 4, 3], 2],
    [[null, 4, undefined], 4],
    [[1, 1, 1], 1],
    [[null, null, null], null],
    [[undefined, null], null],
    [[], null],
  ])('%j -> %j', (risks, expected) => {
    expect(caseRiskLevel(risks)).toBe(expected);
  });
});
