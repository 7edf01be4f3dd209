/** A process's resident memory, read from /proc (Linux). */
import { readFileSync } from 'node:fs';

export interface ResidentMemory {
  /** Resident set now (VmRSS), MiB. */
  rssMiB: number;
  /** Highest resident set since the process started or its peak was last reset (VmHWM), MiB. */
  peakMiB: number;
}

export function residentMemory(pid: number): ResidentMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const m = new RegExp(`${name}:\\s+(\\d+) kB`).exec(status);
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  };
  return { rssMiB: field('VmRSS'), peakMiB: field('VmHWM') };
}
