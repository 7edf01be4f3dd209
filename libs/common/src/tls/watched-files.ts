import { unwatchFile, watchFile } from 'node:fs';

/** How often watched files are stat'ed: a rotated certificate is in use within about this long. */
export const FILE_POLL_MS = 1000;

/**
 * Calls `onChange` when any of these files changes. Polling (stat), not inotify: a Kubernetes
 * Secret or cert-manager rotation swaps a symlink, which inotify on the old target misses.
 */
export function watchFiles(paths: (string | undefined)[], onChange: () => void): () => void {
  const files = paths.filter((p): p is string => !!p);
  const listener = (curr: { mtimeMs: number; ino: number }, prev: { mtimeMs: number; ino: number }) => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.ino !== prev.ino) onChange();
  };
  for (const f of files) watchFile(f, { interval: FILE_POLL_MS, persistent: false }, listener);
  return () => files.forEach((f) => unwatchFile(f, listener));
}
