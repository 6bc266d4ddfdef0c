/**
 * Unmasked personal data is used "under strict permission, procedure and accountability" (source 003 item 26):
 * every operation whose answer carries a legal representative's ID number or phone unmasked (a key with
 * PERSONAL_DATA selecting them, value present) writes one audit record — who (unit and credential), which
 * operation with which root fields, arguments and variables, how many enterprises and which (the first 100) —
 * in a short transaction of its own once the operation has run, never one per row.
 *
 * Where an operation ends: over HTTP, and for a query or mutation over WebSocket, when it has run; the record is
 * written before the answer leaves, and an answer whose record cannot be written is replaced by
 * INTERNAL_SERVER_ERROR. A subscription is one operation delivering many results: its first delivery carrying
 * personal data is written before it leaves; later ones are counted and written at most every 10 minutes (at the
 * delivery that finds the last record that old) and when the subscription ends or the hub stops, each record
 * counting the deliveries and enterprises since the one before. A hub killed outright loses at most the count
 * since the last record, never the fact that the subscription let personal data out.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';
import type { Logger } from 'pino';
import type { Principal } from '../access/principal';
import { appendReadAudit } from '../audit/audit.service';
import type { HubContext } from './context';
import { ErrorCode } from '../errors';

/** Enterprises named in one record at most (the count is always whole). */
const SAMPLE = 100;
/** Characters of a field's arguments or of the variables kept in a record. */
const TEXT_MAX = 2_000;
/** A subscription's further deliveries are written at most this often. */
const SUBSCRIPTION_RECORD_MS = 10 * 60_000;

/** The enterprises each execution result let out, set by the executing context (context.ts `settle`). */
export const disclosedBy = new WeakMap<object, ReadonlySet<string>>();

/** Which operation asked: its name, type, root fields with their arguments as written, and (not for mutations) variables. */
export interface OperationSummary {
  operation: string | null;
  type: string;
  fields: { field: string; arguments: string }[];
  variables?: unknown;
}

export function operationSummary(document: DocumentNode, operationName: string | null | undefined, variables: unknown): OperationSummary {
  const operation: OperationDefinitionNode | null | undefined = getOperationAST(document, operationName);
  const type = operation?.operation ?? 'query';
  // A mutation's input (a whole list, personal data being registered) is its own write record's business: only
  // the names of its arguments are kept, never their values or the variables.
  const mutation = type === 'mutation';
  const fields = (operation?.selectionSet.selections ?? []).map((selection) =>
    selection.kind === Kind.FIELD
      ? {
          field: selection.name.value,
          arguments: bounded(selection.arguments?.map((arg) => (mutation ? arg.name.value : print(arg))).join(', ') ?? ''),
        }
      : { field: '…', arguments: '' },
  );
  const kept = mutation || variables == null ? undefined : JSON.stringify(variables);
  return {
    operation: operation?.name?.value ?? null,
    type,
    fields,
    ...(kept === undefined || kept === '{}' ? {} : { variables: kept.length > TEXT_MAX ? bounded(kept) : variables }),
  };
}

function bounded(text: string): string {
  return text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX)}… (${text.length} characters)` : text;
}

interface Tally {
  principal: Principal;
  summary: OperationSummary;
  deliveries: number;
  rows: number;
  usccs: Set<string>;
  /** When the last record of this subscription was written; undefined before the first. */
  writtenAt?: number;
}

export class PersonalDataAudit {
  /** The tallies of subscriptions that let out personal data, by socket and operation id. */
  private readonly tallies = new WeakMap<object, Map<string, Tally>>();
  /** Tallies with deliveries not yet on record. */
  private readonly unwritten = new Set<Tally>();
  private readonly writing = new Set<Promise<unknown>>();

  constructor(
    private readonly fork: () => EntityManager,
    private readonly log: Logger,
  ) {}

  /** After a query or mutation ran: its record, when it let out personal data; throws when it cannot be written. */
  async operationRan(principal: Principal, usccs: ReadonlySet<string>, summary: () => OperationSummary, via: 'http' | 'ws'): Promise<void> {
    if (!usccs.size) return;
    await this.write(principal, { via, ...summary(), rows: usccs.size, usccs: [...usccs].slice(0, SAMPLE) });
  }

  /**
   * A subscription's delivery of `result` (operation `id` on `socket`), when it lets out personal data; throws
   * when a record due now cannot be written (the delivery must then not leave).
   */
  async delivered(socket: object, id: string, principal: Principal, result: ExecutionResult, summary: () => OperationSummary): Promise<void> {
    const usccs = disclosedBy.get(result);
    if (!usccs?.size) return;
    let operations = this.tallies.get(socket);
    if (!operations) this.tallies.set(socket, (operations = new Map()));
    let tally = operations.get(id);
    if (!tally) operations.set(id, (tally = { principal, summary: summary(), deliveries: 0, rows: 0, usccs: new Set() }));
    tally.deliveries++;
    tally.rows += usccs.size;
    for (const uscc of usccs) if (tally.usccs.size < SAMPLE) tally.usccs.add(uscc);
    this.unwritten.add(tally);
    if (tally.writtenAt === undefined || Date.now() - tally.writtenAt >= SUBSCRIPTION_RECORD_MS) await this.flush(tally);
  }

  /** Operation `id` on `socket` ended: what it delivered since its last record goes on record. */
  async ended(socket: object, id: string): Promise<void> {
    const operations = this.tallies.get(socket);
    const tally = operations?.get(id);
    if (!tally) return;
    operations!.delete(id);
    await this.flushQuietly(tally);
  }

  /** The hub stops: every subscription's unwritten deliveries go on record, and every record being written is awaited. */
  async stop(): Promise<void> {
    await Promise.all([...this.unwritten].map((tally) => this.flushQuietly(tally)));
    await Promise.all([...this.writing]);
  }

  private async flushQuietly(tally: Tally): Promise<void> {
    if (!this.unwritten.has(tally)) return;
    await this.flush(tally).catch((error: unknown) => this.log.error({ err: error }, 'could not write the audit record of a subscription'));
  }

  private async flush(tally: Tally): Promise<void> {
    this.unwritten.delete(tally);
    const { deliveries, rows, usccs, writtenAt } = tally;
    tally.deliveries = 0;
    tally.rows = 0;
    tally.usccs = new Set();
    tally.writtenAt = Date.now();
    try {
      await this.write(tally.principal, { via: 'ws', ...tally.summary, deliveries, rows, usccs: [...usccs] });
    } catch (error) {
      // The next delivery tries again (the one that needed this record does not leave).
      tally.writtenAt = writtenAt;
      throw error;
    }
  }

  private async write(principal: Principal, detail: Record<string, unknown> & { rows: number; usccs: string[] }): Promise<void> {
    const write = appendReadAudit(this.fork(), principal, {
      action: 'enterprise.readPersonalData',
      entityType: 'Enterprise',
      // One enterprise is named as the record's entity; several are listed in the detail.
      entityId: detail.rows === 1 && detail.usccs.length === 1 ? detail.usccs[0] : '*',
      detail,
    });
    this.writing.add(write);
    try {
      await write;
    } finally {
      this.writing.delete(write);
    }
  }
}

const WITHHELD = 'Internal server error';

/** Over HTTP: the record of an answer that lets out personal data, before it leaves; withheld when it cannot be written. */
export const personalDataAuditPlugin: ApolloServerPlugin<HubContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response, document, request }) {
        if (!contextValue.personalData.size || !document) return;
        try {
          await contextValue.personalDataAudit.operationRan(
            contextValue.principal,
            contextValue.personalData,
            () => operationSummary(document, request.operationName, request.variables),
            'http',
          );
        } catch (error) {
          contextValue.log.error({ err: error }, 'could not write the audit record of personal data: the answer is withheld');
          if (response.body.kind === 'single') {
            response.body.singleResult = { errors: [{ message: WITHHELD, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] };
          }
        }
      },
    };
  },
};

/**
 * Over WebSocket, before a result of operation `id` leaves: its record when one is due (above); a promise only
 * then, resolving to the result to send instead when the record could not be written.
 */
export function auditWebSocketResult(
  socket: object,
  id: string,
  args: ExecutionArgs & { contextValue: HubContext },
  result: ExecutionResult,
): Promise<ExecutionResult | undefined> | undefined {
  const context = args.contextValue;
  const subscription = getOperationAST(args.document, args.operationName)?.operation === 'subscription';
  if (subscription ? !disclosedBy.get(result)?.size : !context.personalData.size) return undefined;
  const summary = () => operationSummary(args.document, args.operationName, args.variableValues);
  const audit = context.personalDataAudit;
  const written = subscription
    ? audit.delivered(socket, id, context.principal, result, summary)
    : audit.operationRan(context.principal, context.personalData, summary, 'ws');
  return written.then(
    () => undefined,
    (error: unknown) => {
      context.log.error({ err: error }, 'could not write the audit record of personal data: the result is withheld');
      return { errors: [new GraphQLError(WITHHELD, { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } })] };
    },
  );
}
