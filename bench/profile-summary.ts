/**
 * Summarises a V8 .cpuprofile (from BENCH_CPU_PROF=<dir>): self time per function and per
 * package, the shares a reader needs to see where a server spends its CPU.
 * Run: node -r ts-node/register/transpile-only bench/profile-summary.ts FILE.cpuprofile [top] [last-seconds]
 * With last-seconds, only the profile's final seconds count (a scenario's measured load, not its set-up).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summarise(path: string, top = 25, lastSeconds = Infinity): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const from = p.timeDeltas.reduce((a, b) => a + b, 0) - lastSeconds * 1e6;
  let at = 0;
  p.samples.forEach((id, i) => {
    at += p.timeDeltas[i] ?? 0;
    if (at >= from) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    total += us;
    if (functionName === '(idle)') idle += us;
    const name = `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const group = packageOf(functionName, url);
    pkg.set(group, (pkg.get(group) ?? 0) + us);
  }
  const busy = total - idle;
  const rows = (m: Map<string, number>) =>
    [...m]
      .filter(([k]) => !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  return `busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s\n\nby package:\n${rows(pkg)}\n\nby function:\n${rows(fn)}\n`;
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/').replace(/^.*\/(apps|libs|dist)\//, '$1/');
}

function packageOf(functionName: string, url: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node core';
  return 'lapi-cluster';
}

if (require.main === module) console.log(summarise(process.argv[2], Number(process.argv[3] ?? 25), Number(process.argv[4] ?? Infinity)));
