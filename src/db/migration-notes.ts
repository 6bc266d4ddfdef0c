/**
 * What a migration tells the operator (e.g. how many records it corrected): noted while it runs, handed to the
 * runner's caller only once every pending migration committed (they commit all or nothing), so a note never
 * reports a correction that was rolled back. Kept per ORM configuration: two hubs in one process keep theirs apart.
 */
const notes = new WeakMap<object, string[]>();

/** Called by a migration with its own `this.config` (the ORM's configuration). */
export function noteForOperator(config: object, note: string): void {
  notes.set(config, [...(notes.get(config) ?? []), note]);
}

/** The notes of the migrations run with `config` since the last call, and forgets them. */
export function takeNotesForOperator(config: object): string[] {
  const taken = notes.get(config) ?? [];
  notes.delete(config);
  return taken;
}
