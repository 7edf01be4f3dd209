/**
 * `npm run bench`: every scenario against every server, one after another, then BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const SCENARIOS = ['ceiling', 'lookups', 'stream-startup', 'delta-polls', 'ingestion', 'fanout', 'expiry', 'footprint', 'fleet'];

for (const s of SCENARIOS) {
  console.log(`[bench] === ${s} ===`);
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(__dirname, 'scenarios', `${s}.ts`), ...process.argv.slice(2)], { stdio: 'inherit' });
}
execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(__dirname, 'report.ts')], { stdio: 'inherit' });
