import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Bus, connectNats, NatsBus } from '@lapi/bus';
import { buildServices, createTestDatabase, pollUntil, TestDatabase } from '@lapi/testing';
import { Client } from 'pg';
import { call, startTestLapi, TestLapi } from '../../standalone/test/support/test-lapi';

jest.setTimeout(120_000);
const run = promisify(execFile);
const LAPICTL = resolve(__dirname, '../../../scripts/lapictl.js');

async function lapictl(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // A large buffer: a NODE_DEBUG=module trace of a run that loads the whole app is tens of MB.
    const { stdout, stderr } = await run(process.execPath, [LAPICTL, ...args], { env: { ...process.env, NATS_URL: '', ...env }, maxBuffer: 256 * 2 ** 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Whether a run traced with NODE_DEBUG=module loaded a package (a list on a plain connection loads no framework). */
// Node traces real paths: node_modules may be a link (a worktree sharing another checkout's).
const NODE_MODULES = realpathSync(resolve(__dirname, '../../../node_modules'));
const loaded = (trace: string, pkg: string) => trace.includes(`load "${join(NODE_MODULES, pkg)}/`);

describe('lapictl against Postgres', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  const ok = async (...args: string[]) => {
    const res = await lapictl(env, ...args);
    if (res.code !== 0) throw new Error(`lapictl ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
    return res.stdout;
  };
  /** A write's message: on stderr, as cscli logs it. */
  const logged = async (...args: string[]) => {
    const res = await lapictl(env, ...args);
    if (res.code !== 0) throw new Error(`lapictl ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
    return res.stderr;
  };

  beforeAll(async () => {
    buildServices();
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
  });
  afterAll(() => db.drop());

  it('adds, lists, validates and deletes machines, with cscli\'s JSON keys and CSV columns', async () => {
    await ok('machines', 'add', 'm1', '-p', 'pw', '--no-validate');
    // cscli 1.6's machineInfo: isValidated is omitempty (false is left out); os is "?" until usage metrics tell it.
    const [listed] = JSON.parse(await ok('-o', 'json', 'machines', 'list'));
    expect(listed).toEqual(expect.objectContaining({ machineId: 'm1', auth_type: 'password', os: '?', created_at: expect.any(String) }));
    expect(listed).not.toHaveProperty('isValidated');
    await ok('machine', 'validate', 'm1');
    const raw = (await ok('-o', 'raw', 'machines', 'list')).trim().split('\n');
    expect(raw[0]).toBe('machine_id,ip_address,updated_at,validated,version,auth_type,last_heartbeat,os');
    expect(raw[1]).toMatch(/^m1,,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,true,,password,-,\/$/);
    await ok('machines', 'delete', 'm1');
    expect(JSON.parse(await ok('-o', 'json', 'machines', 'list'))).toEqual([]);
  });

  it('adds a machine with a generated name and password, and writes a credentials file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lapictl-creds-'));
    const file = join(dir, 'local_api_credentials.yaml');
    await ok('machines', 'add', '--auto', '-f', file, '-u', 'http://192.0.2.9:8080/');
    const text = readFileSync(file, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    const login = /^login: (\S+)$/m.exec(text)?.[1];
    expect(text).toMatch(/^url: http:\/\/192\.0\.2\.9:8080\/$/m);
    expect(text).toMatch(/^password: \S{20,}$/m);
    expect(JSON.parse(await ok('-o', 'json', 'machines', 'list')).map((m: { machineId: string }) => m.machineId)).toContain(login);
  });

  it('refuses bad names and numbers before opening the database', async () => {
    const cases: [string[], RegExp][] = [
      [['machines', 'add', 'bad name/x', '-p', 'pw'], /invalid for argument 'name'/],
      [['bouncers', 'add', ''], /a name cannot be empty/],
      [['decisions', 'list', '-l', 'abc'], /'abc' is invalid\. expected a whole number/],
    ];
    for (const [args, message] of cases) {
      const res = await lapictl({ ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, ...args);
      expect(res.code).toBe(2);
      expect(res.stderr.trim()).toMatch(message);
    }
  });

  it('prints a new bouncer key once in raw output, and lists the bouncer as cscli does', async () => {
    const key = (await ok('-o', 'raw', 'bouncers', 'add', 'fw1')).trim();
    expect(key).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(JSON.parse(await ok('-o', 'json', 'bouncers', 'list'))).toEqual([expect.objectContaining({ name: 'fw1', revoked: false, ip_address: '', auth_type: 'api-key' })]);
    const raw = (await ok('-o', 'raw', 'bouncer', 'list')).trim().split('\n');
    expect(raw[0]).toBe('name,ip,revoked,last_pull,type,version,auth_type');
    // cscli 1.6: a bouncer that never pulled has no last pull.
    expect(raw[1]).toBe('fw1,,validated,,,,api-key');
    expect((await lapictl(env, 'bouncers', 'add', 'fw1')).code).toBe(1);
    expect((await ok('-o', 'raw', 'bouncers', 'add', 'fw2', '-k', 'kept-from-crowdsec-0123456789')).trim()).toBe('kept-from-crowdsec-0123456789');
  });

  it('adds Ip and Range decisions (v4, v6), lists them grouped by alert with time left, deletes by ip', async () => {
    await ok('decisions', 'add', '-i', '192.0.2.5', '-d', '2h');
    await ok('decision', 'add', '-r', '2001:db8::/48', '-t', 'captcha');
    const alerts = JSON.parse(await ok('-o', 'json', 'decisions', 'list'));
    const decisions = alerts.flatMap((a: { decisions: { value: string }[] }) => a.decisions);
    expect(decisions.map((d: { value: string }) => d.value).sort()).toEqual(['192.0.2.5', '2001:db8::/48']);
    expect(decisions.find((d: { value: string }) => d.value === '192.0.2.5').duration).toMatch(/^1h59m/);
    const raw = (await ok('-o', 'raw', 'decisions', 'list', '-t', 'captcha')).trim().split('\n');
    expect(raw[0]).toBe('id,source,ip,reason,action,country,as,events_count,expiration,simulated,alert_id');
    expect(raw[1]).toMatch(/^\d+,cscli,Range:2001:db8::\/48,manual 'captcha' from 'lapictl',captcha,,,1,3h59m[\d.]+s,false,\d+$/);
    expect(await logged('decisions', 'remove', '-i', '192.0.2.5')).toMatch(/1 decision/);
    expect(JSON.parse(await ok('-o', 'json', 'decisions', 'list', '-i', '192.0.2.5'))).toEqual([]);
  });

  it('imports a CSV, skipping bad lines with their numbers and exiting non-zero', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lapictl-'));
    const file = join(dir, 'import.csv');
    const lines = Array.from({ length: 2500 }, (_, i) => `4h,ip,100.70.${i >> 8}.${i & 255}`);
    lines[10] = '4h,ip,not-an-ip';
    lines[2000] = '4h,range,10.0.0.0/33';
    writeFileSync(file, ['duration,scope,value', ...lines].join('\n'));
    const res = await lapictl(env, 'decisions', 'import', '-i', file);
    rmSync(dir, { recursive: true, force: true });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/2498 decision\(s\) imported, 2 line\(s\) skipped/);
    expect(res.stderr).toMatch(/line 12: skipped: 'not-an-ip'/);
    expect(res.stderr).toMatch(/line 2002: skipped/);
    const imported = JSON.parse(await ok('-o', 'json', 'decisions', 'list', '-l', '0', '--origin', 'cscli-import'));
    const values = imported.flatMap((a: { decisions: { value: string }[] }) => a.decisions.map((d) => d.value));
    expect(values.filter((v: string) => v.startsWith('100.70.')).length).toBe(2498);
  });

  it('imports quoted CSV fields (commas, doubled quotes, line breaks) unchanged, with origin cscli-import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lapictl-'));
    const file = join(dir, 'quoted.csv');
    writeFileSync(file, [
      'value,reason,duration',
      '198.51.100.1,"brute force, ssh",1h',
      '198.51.100.2,"he said ""stop""",1h',
      '198.51.100.3,"two\nlines, and ""quotes""",1h',
      '198.51.100.4,,1h',
    ].join('\r\n'));
    const res = await lapictl(env, 'decisions', 'import', '-i', file);
    expect(res.code).toBe(0);
    const alerts = JSON.parse(await ok('-o', 'json', 'decisions', 'list', '-r', '198.51.100.0/24', '--contained'));
    const byValue = new Map<string, { scenario: string; origin: string }>(alerts.flatMap((a: { decisions: { value: string }[] }) => a.decisions.map((d) => [d.value, d])));
    expect([...byValue.keys()].sort()).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']);
    expect(byValue.get('198.51.100.1')!.scenario).toBe('brute force, ssh');
    expect(byValue.get('198.51.100.2')!.scenario).toBe('he said "stop"');
    expect(byValue.get('198.51.100.3')!.scenario).toBe('two\nlines, and "quotes"');
    expect(byValue.get('198.51.100.4')!.scenario).toBe('manual');
    expect(new Set([...byValue.values()].map((d) => d.origin))).toEqual(new Set(['cscli-import']));
    // As cscli's, the flags replace the file's values.
    const res2 = await lapictl(env, 'decisions', 'import', '-i', file, '-d', '2h', '-R', 'from flags', '-t', 'captcha');
    rmSync(dir, { recursive: true, force: true });
    expect(res2.code).toBe(0);
    const raw = (await ok('-o', 'raw', 'decisions', 'list', '-r', '198.51.100.0/24', '--contained', '-t', 'captcha')).trim().split('\n').slice(1);
    expect(raw).toHaveLength(4);
    for (const row of raw) expect(row).toMatch(/^\d+,cscli-import,Ip:198\.51\.100\.\d,from flags,captcha,,,4,1h59m[\d.]+s,false,\d+$/);
  });

  it('counts each decision type in the alerts list summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lapictl-'));
    const file = join(dir, 'mixed.json');
    const types = ['ban', 'ban', 'captcha', 'ban', 'captcha'];
    writeFileSync(file, JSON.stringify(types.map((type, i) => ({ value: `203.0.113.${i + 1}`, type }))));
    expect((await lapictl(env, 'decisions', 'import', '-i', file)).code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
    const raw = (await ok('-o', 'raw', 'alerts', 'list', '-l', '1')).trim().split('\n');
    expect(raw[0]).toBe('id,scope,value,reason,country,as,decisions,created_at');
    expect(raw[1]).toMatch(/^\d+,cscli\/manual-import,,add: 5 IPs,,,ban:3 captcha:2,\S+Z$/);
  });

  it('answers a missing file, bad JSON and an unknown alert with one plain line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lapictl-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[{"value": "1.2.3.4",}]');
    const cases: [string[], RegExp][] = [
      [['decisions', 'import', '-i', join(dir, 'nope.csv')], /^error: cannot read \S+nope\.csv: no such file$/],
      [['decisions', 'import', '-i', bad], /^error: \S+bad\.json is not JSON \(line 1\); give --format csv if it is CSV$/],
      [['alerts', 'inspect', '999999'], /^error: alert 999999 not found$/],
      [['machines', 'validate', 'ghost'], /^error: machine ghost not found$/],
    ];
    for (const [args, message] of cases) {
      const res = await lapictl(env, ...args);
      expect(res.code).toBe(1);
      expect(res.stderr.trim()).toMatch(message);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists, inspects and deletes alerts', async () => {
    const alerts = JSON.parse(await ok('-o', 'json', 'alerts', 'list'));
    expect(alerts.length).toBeGreaterThanOrEqual(3);
    const first = alerts[0];
    expect(JSON.parse(await ok('-o', 'json', 'alerts', 'inspect', String(first.id)))).toMatchObject({ id: first.id, machine_id: 'lapictl' });
    expect(await ok('alerts', 'inspect', '-d', String(first.id))).toMatch(new RegExp(`^Alert ${first.id}: `));
    expect(await logged('alerts', 'delete', '--id', String(first.id))).toMatch(/1 alert/);
    expect((await lapictl(env, 'alerts', 'inspect', String(first.id))).code).toBe(1);
  });

  it('answers bad input with a one-line message and a non-zero exit, never a stack', async () => {
    for (const args of [['nosuch'], ['decisions', 'add', '--ip', '300.1.2.3'], ['decisions', 'add'], ['machines', 'validate', 'ghost'], ['decisions', 'delete'], ['alerts', 'inspect', 'x']]) {
      const res = await lapictl(env, ...args);
      expect(res.code).not.toBe(0);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('colours tables only when asked or on a terminal, and takes -o after the command as cscli does', async () => {
    const plain = await ok('alerts', 'list');
    expect(plain).not.toMatch(/\x1b\[/);
    expect(await ok('alerts', 'list', '--color', 'yes')).toMatch(/\x1b\[/);
    expect(JSON.parse(await ok('alerts', 'list', '-o', 'json')).length).toBeGreaterThan(0);
    expect((await ok('version')).trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await ok('--version')).trim()).toBe((await ok('version')).trim());
  });

  it('refuses a value that does not fit its scope with one line naming the flag', async () => {
    const cases: [string[], string][] = [
      [['decisions', 'add', '-r', '192.0.2.1'], "error: '192.0.2.1' is not a CIDR range (--range)"],
      [['decisions', 'add', '--scope', 'ip', '-v', '1.2.3.4/33'], "error: '1.2.3.4/33' is not an IP address (--value with --scope ip)"],
      [['decisions', 'add', '--scope', 'range', '-v', '::1/200'], "error: '::1/200' is not a CIDR range (--value with --scope range)"],
    ];
    for (const [args, message] of cases) {
      const res = await lapictl(env, ...args);
      expect([res.code, res.stderr.trim()]).toEqual([1, message]);
    }
  });

  it('refuses ids that are not a positive whole number within bigint, and an empty type, before opening the database', async () => {
    const nowhere = { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const cases: string[][] = [
      ['decisions', 'delete', '--id', '99999999999999999999'],
      ['decisions', 'delete', '--id', '0'],
      ['alerts', 'delete', '--id', '9223372036854775808'],
      ['alerts', 'inspect', '99999999999999999999'],
      ['alerts', 'inspect', '1', '0'],
    ];
    for (const args of cases) {
      const res = await lapictl(nowhere, ...args);
      expect([res.code, res.stderr.trim()]).toEqual([2, expect.stringMatching(/^error: .*expected a positive whole number \(at most 9223372036854775807\)\.$/)]);
    }
    for (const type of ['', '  ']) {
      const res = await lapictl(nowhere, 'decisions', 'add', '-i', '1.2.3.4', '-t', type);
      expect([res.code, res.stderr.trim()]).toEqual([2, expect.stringMatching(/^error: option '-t, --type <type>' argument .* is invalid\. give a decision type such as ban or captcha\.$/)]);
    }
    expect((await lapictl(env, 'alerts', 'inspect', '9223372036854775807')).stderr.trim()).toBe('error: alert 9223372036854775807 not found');
  });

  it('takes an empty reason as none given: the alert and its decision both get cscli\'s default reason', async () => {
    await ok('decisions', 'add', '-i', '192.0.2.120', '-R', '');
    const [alert] = JSON.parse(await ok('-o', 'json', 'alerts', 'list', '-i', '192.0.2.120'));
    expect([alert.scenario, alert.decisions[0].scenario]).toEqual(["manual 'ban' from 'lapictl'", "manual 'ban' from 'lapictl'"]);
  });

  it('accepts cscli\'s log level flags and -o=FORMAT, and says so in --help', async () => {
    for (const level of ['--debug', '--info', '--warning', '--error', '--trace']) expect(JSON.parse(await ok(level, '-o', 'json', 'machines', 'list'))).toEqual(expect.any(Array));
    expect(JSON.parse(await ok('-o=json', 'machines', 'list'))).toEqual(expect.any(Array));
    expect((await ok('bouncers', 'list', '-o=raw')).split('\n')[0]).toBe('name,ip,revoked,last_pull,type,version,auth_type');
    const help = await ok('--help');
    for (const level of ['--debug', '--info', '--warning', '--error', '--trace']) expect(help).toContain(level);
    // As cscli's, --error and --warning leave out the info messages of a write.
    const quiet = await lapictl(env, '--error', 'decisions', 'add', '-i', '192.0.2.121');
    expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, '', '']);
  });

  it('keeps stdout empty on writes, as cscli logs their messages on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lapictl-'));
    const csv = join(dir, 'list.csv');
    writeFileSync(csv, 'value\n192.0.2.130\n');
    const creds = join(dir, 'creds.yaml');
    const writes: [string[], RegExp][] = [
      [['decisions', 'add', '-i', '192.0.2.131'], /^Decision successfully added/],
      [['decisions', 'import', '-i', csv], /^1 decision\(s\) imported/],
      [['decisions', 'delete', '-i', '192.0.2.131'], /^1 decision\(s\) deleted/],
      [['alerts', 'delete', '-i', '192.0.2.131'], /^1 alert\(s\) deleted/],
      [['alerts', 'flush'], /alert\(s\) and \d+ ended decision\(s\) flushed/],
      [['machines', 'add', 'quiet-m', '-p', 'pw', '--no-validate'], /^machine quiet-m added/],
      [['machines', 'validate', 'quiet-m'], /^machine quiet-m validated/],
      [['machines', 'delete', 'quiet-m'], /^machine quiet-m deleted/],
      [['machines', 'add', 'quiet-auto', '--auto', '-f', creds], new RegExp(`^machine quiet-auto added\\nAPI credentials dumped to '${creds}'$`)],
      [['bouncers', 'delete', 'fw2'], /^bouncer fw2 deleted/],
    ];
    for (const [args, message] of writes) {
      const res = await lapictl(env, ...args);
      expect([args, res.code, res.stdout]).toEqual([args, 0, '']);
      expect(res.stderr.trim()).toMatch(message);
    }
    const password = /^password: (\S+)$/m.exec(readFileSync(creds, 'utf8'))?.[1];
    expect(password).toBeTruthy();
    // With -f -, stdout holds the credentials file and nothing else.
    const toStdout = await lapictl(env, 'machines', 'add', 'quiet-stdout', '--auto', '-f', '-');
    expect(toStdout.stdout).toMatch(/^url: \S+\nlogin: quiet-stdout\npassword: \S+\n$/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists machines as JSON with cscli 1.6\'s machineInfo keys (1.4.6\'s ent "edges" and ids are gone)', async () => {
    const machines = JSON.parse(await ok('-o', 'json', 'machines', 'list'));
    expect(machines.length).toBeGreaterThan(0);
    const known = ['created_at', 'updated_at', 'last_push', 'last_heartbeat', 'machineId', 'ipAddress', 'version', 'isValidated', 'auth_type', 'os', 'featureflags', 'datasources'];
    for (const m of machines) expect(Object.keys(m).filter((k) => !known.includes(k))).toEqual([]);
  });

  it('makes a bouncer key of -l N bytes, hex, as cscli\'s (-l 16: 32 characters)', async () => {
    expect((await ok('-o', 'raw', 'bouncers', 'add', 'fw-l16', '-l', '16')).trim()).toMatch(/^[0-9a-f]{32}$/);
    expect((await ok('-o', 'raw', 'bouncers', 'add', 'fw-l24', '-l', '24')).trim()).toMatch(/^[0-9a-f]{48}$/);
  });

  it('flushes the alerts whose decisions have ended, keeping those still in force', async () => {
    await ok('decisions', 'add', '-i', '192.0.2.91');
    await ok('decisions', 'add', '-i', '192.0.2.92');
    await ok('decisions', 'delete', '-i', '192.0.2.91');
    const alertsOf = async (ip: string) => JSON.parse(await ok('-o', 'json', 'alerts', 'list', '-i', ip, '-l', '0')).length;
    expect(await alertsOf('192.0.2.91')).toBe(1);
    expect(await logged('alerts', 'flush', '--max-items', '0')).toMatch(/^[1-9]\d* alert\(s\) and \d+ ended decision\(s\) flushed/);
    expect(await alertsOf('192.0.2.91')).toBe(0);
    expect(await alertsOf('192.0.2.92')).toBe(1);
  });
});

describe('lapictl on a data directory without a database', () => {
  it('refuses it, says where it looked, and creates nothing', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lapictl-empty-')), 'data');
    mkdirSync(dir);
    const res = await lapictl({ LAPI_DATA_DIR: dir, DATABASE_URL: '' }, 'decisions', 'list');
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(
      `error: no lapi-cluster database in ${dir} (looked for ${dir}/pg and a running LAPI's socket ${dir}/.s.PGSQL.5432); ` +
        'run lapictl from the directory where the LAPI runs, set LAPI_DATA_DIR to its data directory, or set DATABASE_URL',
    );
    expect(res.stdout).toBe('');
    expect(existsSync(join(dir, 'pg'))).toBe(false);
    rmSync(dirname(dir), { recursive: true, force: true });
  });
});

describe('lapictl on a Postgres database without lapi-cluster\'s tables', () => {
  it('refuses it for reads and writes, names it, and creates nothing', async () => {
    const db = await createTestDatabase({ empty: true });
    try {
      for (const args of [['decisions', 'list'], ['machines', 'add', 'agent-x', '-p', 'password-1234']]) {
        const res = await lapictl({ DATABASE_URL: db.url }, ...args);
        expect([res.code, res.stdout]).toEqual([1, '']);
        expect(res.stderr.trim()).toBe(
          `error: no lapi-cluster tables in database '${db.name}' on ${new URL(db.url).host} (DATABASE_URL); start the LAPI or a service on it first, which creates them, or correct DATABASE_URL`,
        );
      }
      const c = new Client({ connectionString: db.url });
      await c.connect();
      const tables = await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
      await c.end();
      expect(tables.rows[0].n).toBe(0);
    } finally {
      await db.drop();
    }
  });

  it('lists on a plain connection, loading no framework, once a node has created them', async () => {
    const db = await createTestDatabase();
    try {
      const res = await lapictl({ DATABASE_URL: db.url, NODE_DEBUG: 'module' }, '-o', 'raw', 'machines', 'list');
      expect([res.code, res.stdout.trim()]).toEqual([0, 'machine_id,ip_address,updated_at,validated,version,auth_type,last_heartbeat,os']);
      expect(['typeorm', '@nestjs/core', 'fastify', 'nats'].filter((p) => loaded(res.stderr, p))).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});

describe('lapictl while the standalone LAPI runs on the embedded database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapictl-embedded-'));
  let lapi: TestLapi;
  let stopped = false;

  beforeAll(async () => {
    buildServices();
    lapi = await startTestLapi({ embeddedDir: dir });
  });
  afterAll(async () => {
    if (!stopped) await lapi.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the running LAPI\'s database, and the LAPI serves what lapictl adds within seconds', async () => {
    const env = { LAPI_DATA_DIR: dir, DATABASE_URL: '' };
    const key = (await lapictl(env, '-o', 'raw', 'bouncers', 'add', 'emb-fw')).stdout.trim();
    expect((await call(lapi, 'GET', '/v1/decisions', { apiKey: key })).status).toBe(200);
    expect((await lapictl(env, 'decisions', 'add', '--ip', '192.0.2.200')).code).toBe(0);
    await pollUntil(async () => (await call(lapi, 'GET', '/v1/decisions?ip=192.0.2.200', { apiKey: key })).body?.length === 1, 'the LAPI to serve it', { timeoutMs: 5000 });
    expect((await lapictl(env, 'lapi', 'status', '-u', `${lapi.url}/`)).stdout).toMatch(/answers/);
    expect((await lapictl(env, 'lapi', 'status', '-u', 'http://127.0.0.1:1/')).code).toBe(1);
  });

  it('tells the running LAPI of its writes on the LAPI\'s bus, as a node would over NATS', async () => {
    const seen: string[] = [];
    const off = lapi.app.get(Bus).onDecisionChanges((c) => seen.push(...c.decisions.map((d) => `${d.value}:${d.ended ? 'ended' : 'active'}`)));
    try {
      const env = { LAPI_DATA_DIR: dir, DATABASE_URL: '' };
      expect((await lapictl(env, 'decisions', 'add', '-i', '192.0.2.210')).code).toBe(0);
      await pollUntil(() => seen.includes('192.0.2.210:active'), 'the new decision on the LAPI\'s bus', { timeoutMs: 5000 });
      expect((await lapictl(env, 'decisions', 'delete', '-i', '192.0.2.210')).code).toBe(0);
      await pollUntil(() => seen.includes('192.0.2.210:ended'), 'its end on the LAPI\'s bus', { timeoutMs: 5000 });
    } finally {
      off();
    }
  });

  it('lists on the LAPI\'s socket without loading the framework, and opens the files itself once the LAPI has stopped', async () => {
    const env = { LAPI_DATA_DIR: dir, DATABASE_URL: '', NODE_DEBUG: 'module' };
    expect((await lapictl(env, 'decisions', 'add', '--ip', '192.0.2.201', '-d', '2h')).code).toBe(0);
    const light = await lapictl(env, '-o', 'raw', 'decisions', 'list', '-i', '192.0.2.201');
    expect(light.stdout).toMatch(/^\d+,cscli,Ip:192\.0\.2\.201,/m);
    expect(['typeorm', '@nestjs/core', '@electric-sql/pglite'].filter((p) => loaded(light.stderr, p))).toEqual([]);
    await lapi.close();
    stopped = true;
    const alone = await lapictl(env, '-o', 'raw', 'decisions', 'list', '-i', '192.0.2.201');
    expect(alone.stdout).toMatch(/^\d+,cscli,Ip:192\.0\.2\.201,/m);
    expect(loaded(alone.stderr, '@electric-sql/pglite')).toBe(true);
  });
});

describe('lapictl with NATS_URL set', () => {
  let db: TestDatabase;
  let bus: NatsBus;
  const prefix = `lapictl-bus-${process.pid}-${Date.now()}`;
  const seen: string[] = [];

  beforeAll(async () => {
    buildServices();
    db = await createTestDatabase();
    bus = new NatsBus(await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'lapictl-test'), prefix);
    bus.onDecisionChanges((c) => seen.push(...c.decisions.map((d) => `${d.value}:${d.ended ? 'ended' : 'active'}`)));
  });
  afterAll(async () => {
    await bus.close();
    await db.drop();
  });

  it('publishes its writes on the bus like the services do, so nodes need no reconcile to learn of them', async () => {
    const env = { DATABASE_URL: db.url, NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', LAPI_BUS_SUBJECT_PREFIX: prefix };
    expect((await lapictl(env, 'decisions', 'add', '-i', '192.0.2.77')).code).toBe(0);
    await pollUntil(() => seen.includes('192.0.2.77:active'), 'the new decision on the bus', { timeoutMs: 5000 });
    expect((await lapictl(env, 'decisions', 'delete', '-i', '192.0.2.77')).code).toBe(0);
    await pollUntil(() => seen.includes('192.0.2.77:ended'), 'its end on the bus', { timeoutMs: 5000 });
  });
  it('with NATS down, writes anyway with one warning, and reads without the bus, never hanging', async () => {
    const env = { DATABASE_URL: db.url, NATS_URL: 'nats://127.0.0.1:1' };
    const add = await lapictl(env, 'decisions', 'add', '-i', '192.0.2.78');
    expect(add.code).toBe(0);
    const [warning, ...rest] = add.stderr.trim().split('\n');
    expect(warning).toMatch(/^warning: the bus \(NATS_URL\) is unreachable \(.+\): running nodes will learn of this change from the database within about a second$/);
    expect(rest).toEqual(['Decision successfully added: ban on Ip:192.0.2.78 for 4h']);
    const list = await lapictl(env, '-o', 'raw', 'decisions', 'list', '-i', '192.0.2.78');
    expect([list.code, list.stderr]).toEqual([0, '']);
    expect(list.stdout).toMatch(/,Ip:192\.0\.2\.78,/);
  });
});

describe('lapictl metrics', () => {
  it('takes cscli\'s --no-unit, and prints the real numbers either way', async () => {
    const server = createServer((_, res) => res.end('# TYPE cs_lapi_route_requests_total counter\ncs_lapi_route_requests_total{route="/v1/decisions",method="GET"} 12345\n'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    try {
      for (const args of [['metrics', '-u', url], ['metrics', '--no-unit', '-u', url]]) {
        const res = await lapictl({}, '-o', 'raw', ...args);
        expect([res.code, res.stdout.trim()]).toEqual([0, 'metric,value\n"cs_lapi_route_requests_total{route=""/v1/decisions"",method=""GET""}",12345']);
      }
    } finally {
      server.close();
    }
  });
});
