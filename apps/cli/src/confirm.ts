import { createInterface, Interface } from 'node:readline';

let answers: { lines: string[]; closed: boolean; waiting?: () => void; rl: Interface } | undefined;

/** One reader of stdin for every question: lines typed ahead (or piped) wait for the next question. */
function answerSource() {
  if (!answers) {
    const rl = createInterface({ input: process.stdin, terminal: false });
    const source = { lines: [] as string[], closed: false, waiting: undefined as (() => void) | undefined, rl };
    rl.on('line', (l) => {
      source.lines.push(l);
      source.waiting?.();
    });
    rl.on('close', () => {
      source.closed = true;
      source.waiting?.();
    });
    answers = source;
  }
  return answers;
}

async function nextLine(): Promise<string> {
  const source = answerSource();
  while (source.lines.length === 0 && !source.closed) await new Promise<void>((r) => (source.waiting = r));
  return source.lines.shift() ?? '';
}

/**
 * cscli's yes/no questions (its `ask.YesNo`, default no): asked on stderr so stdout keeps only
 * the output, answered with a line on stdin (y or yes). No answer (stdin closed) is a no.
 */
export async function confirm(question: string): Promise<boolean> {
  process.stderr.write(`? ${question} (y/N) `);
  const answer = await nextLine();
  process.stderr.write('\n');
  return /^y(es)?$/i.test(answer.trim());
}

/** Lets the process exit once the questions are over. */
export function stopAsking(): void {
  answers?.rl.close();
  process.stdin.unref?.();
}
