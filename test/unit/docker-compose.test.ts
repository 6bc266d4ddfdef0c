/**
 * docker-compose.yml and the Dockerfile, read as text (no Docker engine runs here): every setting of the README's
 * configuration table reaches the hub (unset ones keep the hub's default, which needs the hub to read a blank value
 * as unset), the passwords have no default, the hub is published on 127.0.0.1 unless the operator says otherwise,
 * and the image can run the embedded database as its user.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';

const root = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** The variables of the README's "## Configuration" table, in order. */
function configurationTable(): string[] {
  const readme = read('README.md');
  const start = readme.indexOf('\n## Configuration\n');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(0);
  const names = [...readme.slice(start, end).matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((match) => match[1]);
  expect(names.length).toBeGreaterThan(20);
  return names;
}

/** The lines of one service's block in docker-compose.yml (two-space indents, as the file is written). */
function service(name: string): string[] {
  const lines = read('docker-compose.yml').split('\n');
  const start = lines.indexOf(`  ${name}:`);
  expect(start).toBeGreaterThan(0);
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^ {0,2}\S/.test(line)) break;
    block.push(line);
  }
  return block;
}

/** `environment:` of a service as name → value (the text after the colon). */
function environment(name: string): Map<string, string> {
  const block = service(name);
  const start = block.indexOf('    environment:');
  expect(start).toBeGreaterThanOrEqual(0);
  const env = new Map<string, string>();
  for (const line of block.slice(start + 1)) {
    if (/^ {0,4}\S/.test(line)) break;
    const match = /^ {6}([A-Z][A-Z0-9_]*): (.*)$/.exec(line);
    if (match) env.set(match[1], match[2]);
  }
  return env;
}

/** Settings the compose file sets itself: fixed inside the container, or made of the required passwords. */
const SET_BY_COMPOSE: Record<string, RegExp> = {
  PORT: /^"4000"$/,
  HOST: /^0\.0\.0\.0$/,
  DATABASE_URL: /^postgres:\/\/fuyuan_hub:\$\{HUB_DB_PASSWORD:\?[^}]+\}@postgres:5432\/fuyuan$/,
  DATABASE_OWNER_URL: /^postgres:\/\/fuyuan_owner:\$\{HUB_DB_OWNER_PASSWORD:\?[^}]+\}@postgres:5432\/fuyuan$/,
  HUB_ADMIN_KEY: /^\$\{HUB_ADMIN_KEY:\?[^}]+\}$/,
  AUDIT_KEY: /^\$\{AUDIT_KEY:\?[^}]+\}$/,
};

describe('docker-compose.yml', () => {
  it('passes every variable of the README configuration table through to the hub (unset: the hub default)', () => {
    const env = environment('hub');
    const missing = configurationTable().filter((name) => !env.has(name));
    expect(missing).toEqual([]);
    const wrong = configurationTable().filter((name) => {
      const value = env.get(name)!;
      return SET_BY_COMPOSE[name] ? !SET_BY_COMPOSE[name].test(value) : value !== `\${${name}:-}`;
    });
    expect(wrong).toEqual([]);
  });

  it('DATABASE_OWNER_URL is in the README configuration table', () => {
    expect(configurationTable()).toContain('DATABASE_OWNER_URL');
  });

  it('a blank value is read as unset for every setting of the table (booleans, sizes and paths included)', () => {
    for (const blank of ['', '  ']) {
      const env = Object.fromEntries(configurationTable().map((name) => [name, blank]));
      expect(loadConfig(env)).toEqual(loadConfig({}));
    }
  });

  it('requires every password (no default) and gives the postgres service the two roles and their init script', () => {
    const postgres = environment('postgres');
    for (const name of ['POSTGRES_PASSWORD', 'HUB_DB_OWNER_PASSWORD', 'HUB_DB_PASSWORD']) {
      expect(postgres.get(name)).toMatch(new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`));
    }
    expect(postgres.get('HUB_DB_OWNER')).toBe('fuyuan_owner');
    expect(postgres.get('HUB_DB_USER')).toBe('fuyuan_hub');
    expect(service('postgres')).toContain('      - ./docker/postgres-init:/docker-entrypoint-initdb.d:ro');
    // The postgres image runs an executable script there (a plain one it would source into its own shell).
    expect(fs.statSync(path.join(root, 'docker/postgres-init/10-roles.sh')).mode & 0o111).not.toBe(0);
    // Nothing anywhere in the file falls back to a fixed password, and the database publishes no port.
    expect(read('docker-compose.yml')).not.toMatch(/PASSWORD:-/);
    expect(service('postgres').join('\n')).not.toMatch(/^ {4}ports:/m);
  });

  it('publishes the hub on 127.0.0.1:4000 unless HUB_PUBLISH says otherwise', () => {
    const block = service('hub');
    const ports = block.indexOf('    ports:');
    expect(block[ports + 1]).toBe('      - "${HUB_PUBLISH:-127.0.0.1:4000}:4000"');
    expect(block.filter((line) => /^ {6}- .*:\d+"?$/.test(line))).toHaveLength(1);
  });
});

describe('Dockerfile', () => {
  it('runs as node with the embedded database folder (/app/data, the default DATA_DIR from /app) owned by node', () => {
    const dockerfile = read('Dockerfile');
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(final).toMatch(/^WORKDIR \/app$/m);
    expect(final).toMatch(/^RUN mkdir -p \/app\/data && chown node:node \/app\/data$/m);
    expect(final.indexOf('chown node:node /app/data')).toBeLessThan(final.indexOf('\nUSER node'));
    expect(final).not.toMatch(/^ENV .*DATA_DIR/m);
  });
});
