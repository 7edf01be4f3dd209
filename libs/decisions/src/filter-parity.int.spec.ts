import { parseCidr } from '@lapi/common';
import { DECISION_COLUMNS, DecisionFilter, decisionFilterSql, DecisionRow, toRecord } from '@lapi/decision-model';
import { createTestDatabase, TestDatabase } from '@lapi/testing';
import { Client } from 'pg';
import { DecisionIndex } from './decision-index';
import { readDecisionsQuery, readStreamQuery } from './decision-queries';

// The filter has two forms: SQL (DELETE /v1/decisions, lapictl) and the index's in-memory test
// (GET /v1/decisions, the stream). One table of cases runs through both, on the same decisions
// in Postgres and in an index loaded from them; each must give the expected answer, so a rule
// changed on one side alone fails here.

type Seed = { scope: string; value: string; type?: string; origin?: string; scenario?: string; simulated?: boolean; expired?: boolean };

const DECISIONS: Record<string, Seed> = {
  ip4: { scope: 'Ip', value: '192.0.2.1', scenario: 'crowdsecurity/ssh-bf', origin: 'crowdsec' },
  range24: { scope: 'Range', value: '192.0.2.0/24', scenario: 'manual ban' },
  captcha4: { scope: 'Ip', value: '192.0.2.1', type: 'captcha', scenario: 'crowdsecurity/http-probing', origin: 'crowdsec' },
  range25: { scope: 'Range', value: '192.0.2.0/25', scenario: 'manual' },
  capi8: { scope: 'Range', value: '10.0.0.0/8', scenario: 'crowdsecurity/ssh-slow-bf', origin: 'CAPI' },
  ip6: { scope: 'Ip', value: '2001:db8::1', scenario: 'crowdsecurity/ssh-bf', origin: 'crowdsec' },
  list6: { scope: 'Range', value: '2001:db8::/32', scenario: 'lists:firehol', origin: 'lists' },
  country: { scope: 'Country', value: 'FR', scenario: 'geo' },
  session: { scope: 'session', value: 'abc123', type: 'captcha', scenario: 'custom/session' },
  as: { scope: 'AS', value: '12345', scenario: 'asn' },
  simulated: { scope: 'Ip', value: '192.0.2.1', scenario: 'crowdsecurity/ssh-bf', origin: 'crowdsec', simulated: true },
  expired: { scope: 'Ip', value: '192.0.2.1', scenario: 'crowdsecurity/ssh-bf', expired: true },
};

const ALL_SHOWN = ['ip4', 'range24', 'captcha4', 'range25', 'capi8', 'ip6', 'list6', 'country', 'session', 'as'];

/** GET /v1/decisions queries (as a bouncer sends them), stream queries, and filters the machine routes build. */
const CASES: { name: string; query?: Record<string, string>; stream?: Record<string, string>; filter?: DecisionFilter; expect: string[] }[] = [
  { name: 'no parameter: every active decision but simulated ones', query: {}, expect: ALL_SHOWN },
  { name: 'an IPv4 address: its decisions and the ranges holding it', query: { ip: '192.0.2.1' }, expect: ['ip4', 'range24', 'captcha4', 'range25'] },
  { name: 'an IPv4 address outside the smaller range', query: { ip: '192.0.2.200' }, expect: ['range24'] },
  { name: 'a range, contains true: the ranges holding it', query: { range: '192.0.2.0/24' }, expect: ['range24'] },
  { name: 'a range, contains false: what lies inside it', query: { range: '192.0.2.0/24', contains: 'false' }, expect: ['ip4', 'range24', 'captcha4', 'range25'] },
  { name: 'a range inside a CAPI range', query: { range: '10.1.0.0/16' }, expect: ['capi8'] },
  { name: 'a range holding nothing, contains false', query: { range: '10.1.0.0/16', contains: 'false' }, expect: [] },
  { name: 'an IPv6 address', query: { ip: '2001:db8::1' }, expect: ['ip6', 'list6'] },
  { name: 'an IPv6 range, contains false', query: { range: '2001:db8::/48', contains: 'false' }, expect: ['ip6'] },
  { name: 'an IPv4-mapped IPv6 address is its IPv4 address', query: { ip: '::ffff:192.0.2.1' }, expect: ['ip4', 'range24', 'captcha4', 'range25'] },
  { name: 'an IPv6 address never matches IPv4 ranges', query: { ip: '2001:db8:c000:201::' }, expect: ['list6'] },
  { name: 'scope=Range with no value: only ranges (upstream since v1.6.4)', query: { scope: 'Range' }, expect: ['range24', 'range25', 'capi8', 'list6'] },
  { name: 'scope in lower case is upstream\'s spelling', query: { scope: 'range' }, expect: ['range24', 'range25', 'capi8', 'list6'] },
  { name: 'scopes=Ip (upstream takes it on GET /v1/decisions)', query: { scopes: 'Ip' }, expect: ['ip4', 'captcha4', 'ip6'] },
  { name: 'scopes as a list', query: { scopes: 'ip,range' }, expect: ['ip4', 'range24', 'captcha4', 'range25', 'capi8', 'ip6', 'list6'] },
  { name: 'ip with scope=Ip: the address, not the ranges (upstream since v1.6.4)', query: { ip: '192.0.2.1', scope: 'Ip' }, expect: ['ip4', 'captcha4'] },
  { name: 'scope and scopes both: a decision passes both', query: { scope: 'Ip', scopes: 'Range' }, expect: [] },
  { name: 'scope and value', query: { scope: 'Country', value: 'FR' }, expect: ['country'] },
  { name: 'a custom scope, as given', query: { scope: 'session', value: 'abc123' }, expect: ['session'] },
  { name: 'a custom scope is case-sensitive', query: { scope: 'Session', value: 'abc123' }, expect: [] },
  { name: 'AS, spelled as upstream spells it', query: { scope: 'as', value: '12345' }, expect: ['as'] },
  { name: 'value without scope', query: { value: '192.0.2.1' }, expect: ['ip4', 'captcha4'] },
  { name: 'type', query: { type: 'captcha' }, expect: ['captcha4', 'session'] },
  { name: 'type is case-sensitive', query: { type: 'CAPTCHA' }, expect: [] },
  { name: 'origins: CAPI\'s and a blocklist\'s', query: { origins: 'CAPI,lists' }, expect: ['capi8', 'list6'] },
  { name: 'scenarios containing, case-insensitive', query: { scenarios_containing: 'SSH-BF,probing' }, expect: ['ip4', 'captcha4', 'ip6'] },
  { name: 'scenarios not containing', query: { scenarios_not_containing: 'ssh' }, expect: ['range24', 'captcha4', 'range25', 'list6', 'country', 'session', 'as'] },
  { name: 'simulated=true lets simulated decisions in', query: { ip: '192.0.2.1', simulated: 'true' }, expect: ['ip4', 'range24', 'captcha4', 'range25', 'simulated'] },
  { name: 'an unknown parameter is ignored, as upstream', query: { ip: '192.0.2.1', foo: 'bar' }, expect: ['ip4', 'range24', 'captcha4', 'range25'] },
  { name: 'what newer bouncers send on the stream: CAPI and lists included', stream: { startup: 'true', community_pull: 'false', additional_pull: 'false' }, expect: ['ip4', 'range24', 'captcha4', 'range25', 'capi8', 'ip6', 'list6'] },
  { name: 'the stream\'s scopes', stream: { scopes: 'country,session' }, expect: ['country', 'session'] },
  { name: 'the stream takes type as upstream does', stream: { type: 'captcha' }, expect: ['captcha4'] },
  { name: 'exact scenario (DELETE /v1/decisions)', filter: { scenario: 'geo' }, expect: ['country'] },
  { name: 'origins, a range and contains false together', filter: { origins: ['cscli'], ip: parseCidr('192.0.2.0/24'), contains: false }, expect: ['range24', 'range25'] },
];

function filterOf(c: (typeof CASES)[number]): DecisionFilter {
  if (c.filter) return c.filter;
  if (c.stream) return readStreamQuery(c.stream).filter;
  return readDecisionsQuery(c.query).filter;
}

describe('the decision filter gives the same answer in SQL and in memory', () => {
  let tdb: TestDatabase;
  let client: Client;
  const index = new DecisionIndex();
  const names = new Map<number, string>();

  beforeAll(async () => {
    tdb = await createTestDatabase();
    client = new Client({ connectionString: tdb.url });
    await client.connect();
    let seq = 0;
    for (const [name, d] of Object.entries(DECISIONS)) {
      const ipRange = d.scope === 'Ip' || d.scope === 'Range' ? parseCidr(d.value)!.cidr : null;
      const { rows } = await client.query(
        `INSERT INTO decisions (uuid, until, scenario, type, scope, value, origin, simulated, ip_range, seq)
         VALUES (gen_random_uuid(), now() + $1::interval, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [d.expired ? '-1 hour' : '1 hour', d.scenario ?? 's', d.type ?? 'ban', d.scope, d.value, d.origin ?? 'cscli', !!d.simulated, ipRange, ++seq],
      );
      names.set(Number(rows[0].id), name);
    }
    await client.query('UPDATE change_head SET seq = $1 WHERE id = 1', [seq]);
    const all = await client.query<DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM decisions d ORDER BY d.seq`);
    index.loadSnapshot({ head: seq, droppedUpTo: 0, decisions: all.rows.map(toRecord) });
  });

  afterAll(async () => {
    await client?.end();
    await tdb?.drop();
  });

  const sorted = (ids: number[]) => ids.map((id) => names.get(id)!).sort();

  it.each(CASES)('$name', async (c) => {
    const filter = filterOf(c);
    const params: unknown[] = [];
    const where = decisionFilterSql(filter, params);
    const { rows } = await client.query<{ id: string }>(
      `SELECT d.id FROM decisions d WHERE NOT d.ended AND d.until > now() ${where.map((w) => `AND ${w}`).join(' ')}`,
      params,
    );
    const inSql = sorted(rows.map((r) => Number(r.id)));
    const inMemory = sorted(index.findActive(filter, Date.now(), false).map((d) => d.id));
    expect({ sql: inSql, memory: inMemory }).toEqual({ sql: [...c.expect].sort(), memory: [...c.expect].sort() });
  });
});
