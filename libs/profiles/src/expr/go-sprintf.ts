import { ExprRuntimeError } from './expr.errors';
import { ExprValue } from './expr-compiler';

/**
 * Go's fmt.Sprintf for the verbs profiles use (%d %s %v %f %q %x %%, with width and precision).
 * Anything else is an error rather than a guess, so a duration is never built from half a format.
 */
export function goSprintf(format: string, args: ExprValue[]): string {
  let next = 0;
  const take = (verb: string): ExprValue => {
    if (next >= args.length) throw new ExprRuntimeError(`Sprintf: %${verb} has no argument`);
    return args[next++];
  };
  const out = format.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (_all, flags: string, width: string | undefined, precision: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const text = formatOne(verb, take(verb), precision === undefined ? undefined : Number(precision));
    return pad(text, width === undefined ? 0 : Number(width), flags);
  });
  if (next < args.length) throw new ExprRuntimeError(`Sprintf: ${args.length - next} argument(s) left over for ${JSON.stringify(format)}`);
  return out;
}

function formatOne(verb: string, v: ExprValue, precision: number | undefined): string {
  switch (verb) {
    case 'd':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new ExprRuntimeError(`Sprintf: %d needs a whole number, got ${JSON.stringify(v)}`);
      return String(v);
    case 'x':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new ExprRuntimeError(`Sprintf: %x needs a whole number, got ${JSON.stringify(v)}`);
      return v.toString(16);
    case 'f':
      if (typeof v !== 'number') throw new ExprRuntimeError(`Sprintf: %f needs a number, got ${JSON.stringify(v)}`);
      return v.toFixed(precision ?? 6);
    case 's':
    case 'v':
      return goString(v);
    case 'q':
      if (typeof v !== 'string') throw new ExprRuntimeError(`Sprintf: %q needs a string, got ${JSON.stringify(v)}`);
      return JSON.stringify(v);
    default:
      throw new ExprRuntimeError(`Sprintf: the verb %${verb} is not supported`);
  }
}

/** How Go's %v prints the values an expression has. */
export function goString(v: ExprValue): string {
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') return '{...}';
  return String(v);
}

function pad(text: string, width: number, flags: string): string {
  if (text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width);
  return text.padStart(width, flags.includes('0') ? '0' : ' ');
}
