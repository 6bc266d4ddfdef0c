/**
 * The log line of each WebSocket operation, written when it ends (complete or error): its name, duration and
 * how many errors it carried. HTTP requests are logged by http/request-log.
 */
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { Logger } from 'pino';

/** How a log line names an operation: its name, or for an anonymous one its type and root fields ("query me"). */
export function operationLabel(operation: OperationDefinitionNode | null | undefined): string | null {
  if (!operation) return null;
  if (operation.name) return operation.name.value;
  const fields = operation.selectionSet.selections.map((selection) =>
    selection.kind === Kind.FIELD ? (selection.alias ?? selection.name).value : '…',
  );
  return `${operation.operation} ${fields.join(',')}`;
}

interface Operation {
  started: bigint;
  name: string | null;
  errors: number;
}

export class OperationLog {
  private readonly bySocket = new WeakMap<object, Map<string, Operation>>();

  constructor(private readonly log: Logger) {}

  start(socket: object, id: string): void {
    this.operations(socket).set(id, { started: process.hrtime.bigint(), name: null, errors: 0 });
  }

  name(socket: object, id: string, name: string | null): void {
    const operation = this.operations(socket).get(id);
    if (operation) operation.name = name;
  }

  countErrors(socket: object, id: string, errors: number): void {
    const operation = this.operations(socket).get(id);
    if (operation) operation.errors += errors;
  }

  finish(socket: object, id: string): void {
    const operations = this.operations(socket);
    const operation = operations.get(id);
    if (!operation) return;
    operations.delete(id);
    const ms = Number(process.hrtime.bigint() - operation.started) / 1e6;
    this.log.info({ transport: 'ws', operation: operation.name, errors: operation.errors, ms }, 'operation');
  }

  private operations(socket: object): Map<string, Operation> {
    let operations = this.bySocket.get(socket);
    if (!operations) this.bySocket.set(socket, (operations = new Map()));
    return operations;
  }
}
