/**
 * The floors of DESIGN.md "Layout": imports point down only. Read from the source as text: every relative import
 * (type-only ones too) of a file under src/, by the floor it sits on. The ground floor (the coded errors, pure
 * rules and vocabulary at the top of src/) imports only itself; nothing below the modules imports a module.
 */
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '../../src');
const GROUND = ['errors', 'rule', 'input', 'region', 'unit-code', 'calendar-date', 'risk-level', 'risk-list-type'];

/** What each floor must not import. */
const NOT_BELOW: Record<string, string[]> = {
  db: ['access', 'audit', 'change-log', 'modules', 'feed', 'graphql', 'http'],
  access: ['audit', 'change-log', 'modules', 'feed', 'graphql', 'http'],
  audit: ['change-log', 'modules', 'feed', 'graphql', 'http'],
  'change-log': ['audit', 'modules', 'feed', 'graphql', 'http'],
  feed: ['modules', 'http'],
  modules: ['http'],
};

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? files(file) : file.endsWith('.ts') ? [file] : [];
  });
}

/** The floor of a path under src/ (no extension): a top folder, or the file's name at the top. */
function floorOf(file: string): string {
  return path.relative(SRC, file).replace(/\.ts$/, '').split(path.sep)[0];
}

/** Every relative import of every file of src/, as [importer, imported floor, imported path]. */
function imports(): [string, string, string][] {
  return files(SRC).flatMap((file) =>
    [...fs.readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']*)'/g)].map(([, spec]): [string, string, string] => {
      const target = path.resolve(path.dirname(file), spec);
      return [path.relative(SRC, file), target.startsWith(SRC + path.sep) ? floorOf(target) : '(outside src)', path.relative(SRC, target)];
    }),
  );
}

describe('floors', () => {
  const all = imports();

  it('finds the imports it reads', () => {
    expect(all.length).toBeGreaterThan(500);
    expect(all).toContainEqual(['feed/change.service.ts', 'change-log', 'change-log/change-reader']);
  });

  it('the ground floor imports only the ground floor', () => {
    const upward = all.filter(([file, floor]) => GROUND.includes(floorOf(path.join(SRC, file))) && !GROUND.includes(floor));
    expect(upward).toEqual([]);
  });

  it.each(Object.entries(NOT_BELOW))('%s imports nothing of the floors above it', (floor, above) => {
    const upward = all.filter(([file, imported]) => floorOf(path.join(SRC, file)) === floor && above.includes(imported));
    expect(upward).toEqual([]);
  });
});
