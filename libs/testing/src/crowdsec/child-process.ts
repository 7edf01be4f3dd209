import { ChildProcess, spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  cwd?: string;
  /** Runs it inside this network namespace (`ip netns exec`): a client on another host of the multi-host bed. */
  netns?: string;
}

/** The command line that runs `file args`, inside network namespace `netns` when one is given. */
export function inNetns(netns: string | undefined, file: string, args: string[]): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, file, ...args]] : [file, args];
}

/** Keeps the tail of a stream: the clients log every poll at debug level, and a long test must not grow memory without bound. */
export function createOutputBuffer(limitBytes = 2_000_000): { push(chunk: Buffer | string): void; text(): string } {
  let text = '';
  return {
    push(chunk) {
      text += String(chunk);
      if (text.length > limitBytes) text = text.slice(text.length - limitBytes);
    },
    text: () => text,
  };
}

/** Runs a command to completion; never rejects on a non-zero exit, so tests can assert on failures too. A timeout kills it and reports code -1. */
export function runCommand(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((done) => {
    const proc = spawn(...inNetns(opts.netns, file, args), { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = createOutputBuffer();
    const stderr = createOutputBuffer();
    proc.stdout!.on('data', stdout.push);
    proc.stderr!.on('data', stderr.push);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    proc.once('error', (e) => stderr.push(`spawn failed: ${e.message}\n`));
    proc.once('close', (code) => {
      clearTimeout(timer);
      const note = timedOut ? `\n[harness] ${file} ${args.join(' ')} timed out after ${opts.timeoutMs ?? 60_000} ms` : '';
      done({ code: timedOut || code === null ? -1 : code, stdout: stdout.text(), stderr: stderr.text() + note });
    });
  });
}

export function hasExited(proc: ChildProcess): boolean {
  return proc.exitCode !== null || proc.signalCode !== null;
}

/** SIGTERM first so the Go clients can flush (the agent pushes its last alerts on shutdown), SIGKILL if they hang. */
export function stopProcess(proc: ChildProcess, graceMs = 5_000): Promise<number | null> {
  return new Promise((done) => {
    if (hasExited(proc)) return done(proc.exitCode);
    const killer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', (code) => {
      clearTimeout(killer);
      done(code);
    });
    proc.kill('SIGTERM');
  });
}

/** Resolves with the exit code once the process has exited (at once if it already has). */
export function waitForExit(proc: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (hasExited(proc)) return done(proc.exitCode);
    proc.once('exit', (code) => done(code));
  });
}
