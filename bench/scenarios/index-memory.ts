/**
 * Memory of one replica's decision index: heap used per decision for N active decisions
 * (90% Ip, 10% Range, a third IPv6), built the way a replica builds it from a snapshot.
 * Run: node --expose-gc -r ts-node/register/transpile-only -r tsconfig-paths/register bench/scenarios/index-memory.ts 1000000
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecisionIndex } from '@lapi/decisions';
import { DecisionRecord } from '@lapi/decision-model';

/** A flat string of its own, as the database driver hands each row's strings over. */
const fresh = (s: string) => Buffer.from(s).toString();

export function syntheticDecision(n: number, now: number): DecisionRecord {
  const range = n % 10 === 0;
  const v6 = n % 3 === 0;
  const value = v6
    ? range ? `2001:db8:${(n >> 16).toString(16)}:${(n & 0xffff).toString(16)}::/64` : `2001:db9::${(n >> 16).toString(16)}:${(n & 0xffff).toString(16)}`
    : range ? `10.${(n >> 16) & 255}.${(n >> 8) & 255}.0/24` : `11.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  return {
    id: n + 1, uuid: fresh(randomUUID()), alertId: 1 + (n >> 10), createdAt: now, until: now + 86_400_000,
    scenario: fresh('crowdsecurity/ssh-bf'), type: fresh('ban'), scope: fresh(range ? 'Range' : 'Ip'), value: fresh(value),
    origin: fresh('cscli'), simulated: false, seq: n + 1, ended: false,
  };
}

function main(): void {
  const count = Number(process.argv[2] ?? 1_000_000);
  const now = Date.now();
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const index = new DecisionIndex();
  const batch = 50_000;
  for (let i = 0; i < count; i += batch) {
    const decisions = Array.from({ length: Math.min(batch, count - i) }, (_, j) => syntheticDecision(i + j, now));
    index.loadSnapshot({ head: i + decisions.length, decisions, droppedUpTo: 0 });
  }
  global.gc?.();
  const used = process.memoryUsage().heapUsed - before;
  const result = { scenario: 'index-memory', decisions: index.size, heapMB: +(used / 2 ** 20).toFixed(1), bytesPerDecision: Math.round(used / count), rssMB: Math.round(process.memoryUsage().rss / 2 ** 20) };
  mkdirSync(join(__dirname, '../results'), { recursive: true });
  writeFileSync(join(__dirname, '../results', `index-memory-${count}.json`), JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
}

if (require.main === module) main();
