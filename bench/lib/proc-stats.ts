/** CPU and memory of the servers under test, read from /proc (Linux). */
import { readFileSync, writeFileSync } from 'node:fs';
import { residentMemory } from '@lapi/testing';

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the processes have used so far (all their threads). */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds of each process so far; a process that is gone reads as absent. */
export function cpuSecondsOf(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      out.set(pid, cpuSeconds([pid]));
    } catch {
      // exited
    }
  }
  return out;
}

/** Restarts each process's peak resident set (VmHWM) from its current size, so a later peak belongs to what ran in between. */
export function resetPeakRss(pids: number[]): void {
  for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** Peak resident set of each process since start or the last reset, in MiB. */
export function peakRssMiB(pids: number[]): number[] {
  return pids.map((pid) => residentMemory(pid).peakMiB);
}

/** Resident set of each process now, in MiB. */
export function rssMiB(pids: number[]): number[] {
  return pids.map((pid) => residentMemory(pid).rssMiB);
}

/** The machine's CPU time so far, in ticks: all of it, and the part the hypervisor gave to other guests (steal). */
export function machineTicks(): { total: number; steal: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
  return { total: cpu.slice(0, 8).reduce((a, b) => a + b, 0), steal: cpu[7] ?? 0 };
}

/** Share of the machine's CPU time stolen by the hypervisor between two readings, in per cent. */
export function stealPercent(from: { total: number; steal: number }, to: { total: number; steal: number }): number {
  const total = to.total - from.total;
  return total > 0 ? Math.round((1000 * (to.steal - from.steal)) / total) / 10 : 0;
}
