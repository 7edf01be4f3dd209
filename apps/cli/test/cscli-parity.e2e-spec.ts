import { parse } from 'csv-parse/sync';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildServices, createCscli, Cscli, newAlert, newDecision } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from '../../standalone/test/support/test-lapi';

jest.setTimeout(180_000);
const run = promisify(execFile);
const LAPICTL = resolve(__dirname, '../../../scripts/lapictl.js');

/** cscli 1.6's CSV headers (cmd/crowdsec-cli/climachine/list.go, clibouncer/list.go at v1.6.11): 1.6 added the machines' os. */
const CSCLI_MACHINES_HEADER = 'machine_id,ip_address,updated_at,validated,version,auth_type,last_heartbeat,os';
const CSCLI_BOUNCERS_HEADER = 'name,ip,revoked,last_pull,type,version,auth_type';

/** Go duration → seconds ("3h59m58.123s"), to compare times left read a moment apart. */
function seconds(d: string): number {
  const m = /^(-)?(?:(\d+)h)?(?:(\d+)m)?(?:([\d.]+)s)?$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return (m[1] ? -1 : 1) * (Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0));
}

type Row = string[];
const parseCsv = (text: string): Row[] => parse(text) as Row[];

describe('lapictl reads what cscli 1.4.6 reads, in the same shapes', () => {
  let lapi: TestLapi;
  let cscli: Cscli;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'lapictl-parity-'));

  async function lapictl(...args: string[]): Promise<string> {
    const { stdout } = await run(process.execPath, [LAPICTL, ...args], { env: { ...process.env, NATS_URL: '', ...env } });
    return stdout;
  }
  async function cscliOut(...args: string[]): Promise<string> {
    const res = await cscli.run(args);
    if (res.code !== 0) throw new Error(`cscli ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
    return res.stdout;
  }

  beforeAll(async () => {
    buildServices();
    lapi = await startTestLapi();
    env = { DATABASE_URL: lapi.db!.url };
    cscli = createCscli({ url: `${lapi.url}/`, dir: join(dir, 'cscli') });
    await lapictl('machines', 'add', 'cscli-parity', '--auto', '-f', cscli.credentialsPath, '-u', `${lapi.url}/`);
    // The same data for both: an agent's alerts (crowdsec origin), manual decisions and an import with mixed types.
    const token = await lapi.machineToken('agent-parity');
    const pushed = await call(lapi, 'POST', '/v1/alerts', {
      token,
      body: [
        newAlert({ sourceValue: '192.0.2.10', decisions: [newDecision({ value: '192.0.2.10', origin: 'crowdsec', scenario: 'crowdsecurity/ssh-bf' })] }),
        newAlert({ sourceValue: '192.0.2.11', scenario: 'crowdsecurity/http-probing', decisions: [newDecision({ value: '192.0.2.11', origin: 'crowdsec', type: 'captcha', scenario: 'crowdsecurity/http-probing' })] }),
      ],
    });
    expect(pushed.status).toBe(201);
    await lapictl('decisions', 'add', '-i', '198.51.100.7', '-R', 'reason, with a comma');
    await lapictl('decisions', 'add', '-r', '2001:db8::/64', '-t', 'captcha', '-d', '1h');
    const csv = join(dir, 'import.csv');
    writeFileSync(csv, ['value,type,reason', '203.0.113.1,ban,"list ""A"""', '203.0.113.2,captcha,list B', '203.0.113.3,ban,list B'].join('\n'));
    await lapictl('decisions', 'import', '-i', csv);
  });
  afterAll(async () => {
    await lapi.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Both CSVs row by row; the expiration column may differ by the seconds between the two reads. */
  function expectSameCsv(ours: string, theirs: string, expirationColumn?: number): void {
    const a = parseCsv(ours);
    const b = parseCsv(theirs);
    expect(a[0]).toEqual(b[0]);
    expect(a.length).toBe(b.length);
    a.slice(1).forEach((row, i) => {
      const other = b[i + 1];
      if (expirationColumn !== undefined) {
        expect(Math.abs(seconds(row[expirationColumn]) - seconds(other[expirationColumn]))).toBeLessThan(30);
        row = row.filter((_, j) => j !== expirationColumn);
        other.splice(expirationColumn, 1);
      }
      expect(row).toEqual(other);
    });
  }

  /** Alerts as JSON, times left removed (they move between the two reads). */
  function withoutDurations(alerts: { decisions: { duration?: string }[] }[] | null): unknown {
    return (alerts ?? []).map((a) => ({ ...a, decisions: a.decisions.map(({ duration: _, ...d }) => d) }));
  }

  it('decisions list -o raw: the same rows and columns', async () => {
    expectSameCsv(await lapictl('-o', 'raw', 'decisions', 'list'), await cscliOut('decisions', 'list', '-o', 'raw'), 8);
  });

  it('decisions list -o raw with filters (-t, --origin, -i)', async () => {
    for (const args of [['-t', 'captcha'], ['--origin', 'cscli-import'], ['-i', '192.0.2.10'], ['-m']]) {
      expectSameCsv(await lapictl('-o', 'raw', 'decisions', 'list', ...args), await cscliOut('decisions', 'list', '-o', 'raw', ...args), 8);
    }
  });

  it('decisions list -o json: alerts with their decisions nested, as cscli prints them', async () => {
    const ours = JSON.parse(await lapictl('-o', 'json', 'decisions', 'list'));
    const theirs = JSON.parse(await cscliOut('decisions', 'list', '-o', 'json'));
    expect(ours.length).toBe(5);
    expect(withoutDurations(ours)).toEqual(withoutDurations(theirs));
  });

  it('alerts list -o raw and -o json: the same alerts, and the same decisions summary', async () => {
    const ours = parseCsv(await lapictl('-o', 'raw', 'alerts', 'list'));
    const theirs = parseCsv(await cscliOut('alerts', 'list', '-o', 'raw'));
    // cscli 1.4.6 prints the summary in Go's map order: compare it as a set.
    const summary = (r: Row) => [...r.slice(0, 6), r[6].split(' ').sort().join(' '), ...r.slice(7)];
    expect(ours.map(summary)).toEqual(theirs.map(summary));
    expect(ours.find((r) => r[3] === 'add: 3 IPs')?.[6]).toBe('ban:2 captcha:1');
    expect(withoutDurations(JSON.parse(await lapictl('-o', 'json', 'alerts', 'list')))).toEqual(withoutDurations(JSON.parse(await cscliOut('alerts', 'list', '-o', 'json'))));
  });

  it('machines and bouncers list -o raw: cscli\'s columns', async () => {
    expect((await lapictl('-o', 'raw', 'machines', 'list')).split('\n')[0]).toBe(CSCLI_MACHINES_HEADER);
    await lapictl('bouncers', 'add', 'parity-fw');
    const bouncers = parseCsv(await lapictl('-o', 'raw', 'bouncers', 'list'));
    expect(bouncers[0].join(',')).toBe(CSCLI_BOUNCERS_HEADER);
    // cscli 1.6 leaves last_pull empty until the bouncer's first pull.
    expect(bouncers[1]).toEqual(['parity-fw', '', 'validated', '', '', '', 'api-key']);
  });
});
