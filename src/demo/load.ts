/**
 * Loading the demo locality (locality.ts) through the hub's own services, as the units themselves would (the one
 * write path: change log, audit trail). Two guarantees:
 * - One load at a time: the whole load holds the demo's advisory lock; a second run waits for it, and then finds
 *   the demo loaded and refuses.
 * - Resumable: each step is one service transaction and names its write (unit codes, enterprise USCCs,
 *   publications' and progress entries' idempotency keys, the order in which cases were registered), so a load that
 *   stopped midway (a crash, a database error) is finished by running it again, with nothing written twice. The
 *   demo fills only a hub that holds nothing but (part of) this same demo: anything else, or the whole demo, is
 *   refused with DemoRefused, changing nothing.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Principal } from '../access/principal';
import { Role } from '../access/roles';
import type { Orm } from '../db/orm';
import { DEMO_LOCK, withAdvisoryLock } from '../db/startup-lock';
import { CaseProgressService } from '../modules/cases/case-progress.service';
import { CaseStage } from '../modules/cases/case-stage';
import { CaseService } from '../modules/cases/case.service';
import { EnterpriseService } from '../modules/enterprises/enterprise.service';
import { RiskPublicationService } from '../modules/risk-lists/risk-publication.service';
import { UnitService } from '../modules/units/unit.service';
import { demoPlan, type DemoPlan } from './locality';

/** The demo refuses a hub that already has data; this says why. */
export class DemoRefused extends Error {
  override name = 'DemoRefused';
}

export interface DemoSummary {
  units: number;
  enterprises: number;
  entries: number;
  cases: number;
  progress: number;
}

export interface DemoOptions {
  enterprises: number;
  timeZone: string;
  /** Where the demo's lock is taken (the database the ORM is on). */
  clientUrl: string;
  /** A line for the person running the demo (waiting for another load, resuming one). */
  say: (line: string) => void;
}

/** What of the demo a hub already has, in the order the demo writes it. */
interface Found {
  units: Map<string, { id: string; name: string; kind: string; regionCode: string }>;
  enterprises: Map<string, string>;
  publications: Set<string>;
  /** The USCCs on each list, by publisher code and list type. */
  entries: Map<string, Set<string>>;
  /** Cases in the order they were registered, with their court, debtor and stage. */
  cases: { id: string; court: string; debtorUscc: string; stage: string; version: number }[];
  progress: Set<string>;
  counts: { units: number; enterprises: number; entries: number; cases: number };
}

/** Fills a hub that has no data (or finishes a demo load that stopped midway); DemoRefused otherwise. */
export async function loadDemo(orm: Orm, office: Principal, log: Logger, options: DemoOptions): Promise<DemoSummary> {
  const plan = demoPlan(options.enterprises);
  const wait = () => options.say('another demo load is running on this database: waiting for it to finish');
  return withAdvisoryLock(
    options.clientUrl,
    DEMO_LOCK,
    async () => {
      const found = await whatIsThere(orm.em.fork());
      const stranger = foreignData(plan, found);
      if (stranger !== null || isComplete(plan, found)) {
        const { units, enterprises, entries, cases } = found.counts;
        throw new DemoRefused(
          `the hub already has data (${units} units besides the office, ${enterprises} enterprises, ${entries} list entries, ${cases} cases): the demo only fills an empty hub${stranger ? ` (${stranger} is not part of the demo)` : ''}`,
        );
      }
      if (found.units.size) options.say('a demo load stopped midway on this database: resuming it where it stopped');
      const principals = await admitUnits(orm, office, plan, found);
      log.info({ units: plan.units.length }, 'demo: member units admitted');
      await registerEnterprises(orm, office, plan, found);
      log.info({ enterprises: plan.enterprises.length }, 'demo: enterprises registered');
      let listed = 0;
      for (const list of plan.lists) {
        // A list published before is a replay: the same answer, nothing written.
        listed += (await new RiskPublicationService(orm.em.fork()).publish(principals.get(list.unit)!, list.input)).added;
      }
      log.info({ entries: listed }, 'demo: lists published');
      const progress = await followCases(orm, plan, found, principals, options.timeZone);
      log.info({ cases: plan.cases.length, progress }, 'demo: cases registered and followed');
      return { units: plan.units.length, enterprises: plan.enterprises.length, entries: listed, cases: plan.cases.length, progress };
    },
    wait,
  );
}

async function whatIsThere(em: EntityManager): Promise<Found> {
  const units = await em.execute<{ id: string; code: string; name: string; kind: string; regionCode: string }[]>(
    'select id, code, name, kind, region_code as "regionCode" from unit where not is_office',
  );
  const enterprises = await em.execute<{ uscc: string; name: string }[]>('select uscc, name from enterprise');
  const publications = await em.execute<{ code: string; key: string }[]>(
    'select u.code, p.idempotency_key as key from risk_publication p join unit u on u.id = p.publisher_unit_id',
  );
  const cases = await em.execute<Found['cases']>(
    `select c.id, u.code as court, c.debtor_uscc as "debtorUscc", c.stage, c.version from bankruptcy_case c
     join unit u on u.id = c.court_unit_id order by c.created_at, c.id`,
  );
  const progress = await em.execute<{ code: string; key: string | null }[]>(
    'select u.code, p.idempotency_key as key from case_progress p join unit u on u.id = p.unit_id',
  );
  const listed = await em.execute<{ code: string; listType: string; usccs: string[] }[]>(
    `select u.code, r.list_type as "listType", array_agg(r.uscc) as usccs from risk_entry r
     join unit u on u.id = r.publisher_unit_id group by u.code, r.list_type`,
  );
  const entries = listed.reduce((sum, list) => sum + list.usccs.length, 0);
  return {
    units: new Map(units.map((unit) => [unit.code, unit])),
    enterprises: new Map(enterprises.map((row) => [row.uscc, row.name])),
    publications: new Set(publications.map((row) => `${row.code} ${row.key}`)),
    entries: new Map(listed.map((list) => [`${list.code} ${list.listType}`, new Set(list.usccs)])),
    cases,
    progress: new Set(progress.map((row) => `${row.code} ${row.key}`)),
    counts: { units: units.length, enterprises: enterprises.length, entries, cases: cases.length },
  };
}

/** The first thing the hub holds that this demo would not have written, or null. */
function foreignData(plan: DemoPlan, found: Found): string | null {
  const units = new Map(plan.units.map((unit) => [unit.code, unit]));
  for (const [code, unit] of found.units) {
    const planned = units.get(code);
    if (!planned || planned.name !== unit.name || planned.kind !== unit.kind || planned.regionCode !== unit.regionCode) return `unit ${code}`;
  }
  const enterprises = new Map(plan.enterprises.map((enterprise) => [enterprise.uscc, enterprise.name]));
  for (const [uscc, name] of found.enterprises) if (enterprises.get(uscc) !== name) return `enterprise ${uscc}`;
  const lists = new Set(plan.lists.map((list) => `${list.unit} ${list.input.idempotencyKey}`));
  for (const publication of found.publications) if (!lists.has(publication)) return `publication ${publication}`;
  // A list published holds exactly the demo's rows (a demo of another size has other rows).
  const rows = new Map(plan.lists.map((list) => [`${list.unit} ${list.input.listType}`, list.input.entries.map((entry) => entry.uscc)]));
  for (const [list, usccs] of found.entries) {
    const planned = rows.get(list);
    if (!planned || planned.length !== usccs.size || planned.some((uscc) => !usccs.has(uscc))) return `the list ${list}`;
  }
  if (found.cases.length > plan.cases.length) return 'a case';
  for (const [i, row] of found.cases.entries()) {
    const planned = plan.cases[i];
    const path = [CaseStage.APPLIED, ...planned.stages.map((stage) => stage.toStage)];
    if (row.court !== planned.court || row.debtorUscc !== planned.register.debtorUscc || !path.includes(row.stage as CaseStage))
      return `case ${row.id}`;
  }
  const progress = new Set(plan.cases.flatMap((demoCase) => demoCase.progress.map((entry) => `${entry.unit} ${entry.input.idempotencyKey}`)));
  for (const entry of found.progress) if (!progress.has(entry)) return 'a progress entry';
  return null;
}

/** Whether the hub holds the whole demo: its last write, the last case's last progress entry, is there. */
function isComplete(plan: DemoPlan, found: Found): boolean {
  const last = plan.cases.at(-1)!;
  const lastWrite = last.progress.at(-1);
  if (found.cases.length < plan.cases.length) return false;
  if (lastWrite) return found.progress.has(`${lastWrite.unit} ${lastWrite.input.idempotencyKey}`);
  return found.cases.at(-1)!.stage === (last.stages.at(-1)?.toStage ?? CaseStage.APPLIED);
}

async function admitUnits(orm: Orm, office: Principal, plan: DemoPlan, found: Found): Promise<Map<string, Principal>> {
  const principals = new Map<string, Principal>();
  for (const unit of plan.units) {
    const id = found.units.get(unit.code)?.id ?? (await new UnitService(orm.em.fork()).create(office, unit)).id;
    principals.set(
      unit.code,
      new Principal(
        { id, code: unit.code, name: unit.name, kind: unit.kind, regionCode: unit.regionCode, isOffice: false },
        [Role.PUBLISH, Role.READ],
        null,
      ),
    );
  }
  return principals;
}

/** Every enterprise through the registry (the office registers), those not registered yet. */
async function registerEnterprises(orm: Orm, office: Principal, plan: DemoPlan, found: Found): Promise<void> {
  const registry = new EnterpriseService(orm.em.fork());
  for (const enterprise of plan.enterprises) {
    if (!found.enterprises.has(enterprise.uscc)) await registry.register(office, enterprise);
  }
}

/**
 * Registers the cases not registered yet, leads each along the stages it has not reached yet and adds the progress
 * entries it lacks (a case registered before is the one of the same place in the order of registration).
 */
async function followCases(orm: Orm, plan: DemoPlan, found: Found, principals: Map<string, Principal>, timeZone: string): Promise<number> {
  let progress = 0;
  for (const [i, demoCase] of plan.cases.entries()) {
    const court = principals.get(demoCase.court)!;
    let row: { id: string; stage: string; version: number } =
      found.cases[i] ?? (await new CaseService(orm.em.fork(), timeZone).register(court, demoCase.register));
    const reached = demoCase.stages.findIndex((stage) => stage.toStage === row.stage);
    for (const stage of demoCase.stages.slice(reached + 1)) {
      row = await new CaseService(orm.em.fork(), timeZone).advanceStage(court, { caseId: row.id, expectedVersion: row.version, ...stage });
    }
    const progressOf = new CaseProgressService(orm.em.fork(), timeZone);
    for (const entry of demoCase.progress) {
      if (!found.progress.has(`${entry.unit} ${entry.input.idempotencyKey}`))
        await progressOf.add(principals.get(entry.unit)!, { caseId: row.id, ...entry.input });
      progress++;
    }
  }
  return progress;
}
