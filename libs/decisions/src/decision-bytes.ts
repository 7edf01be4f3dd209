import { ViewableDecision } from './decision-view';

/** Printable ASCII other than `"` and `\`: copied byte for byte, no escaping, same in UTF-8. */
function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** The text writer whose parts are encoded: the format is written down once, there. */
export interface DecisionTextParts {
  /** `{"duration":"...","id":` for an expiry time. */
  prefix(until: number): string;
  /** From after the id to just before the value. */
  middle(d: ViewableDecision): string;
}

/**
 * Writes decisions as JSON bytes straight into a buffer, for stream startups of a million
 * decisions: building a string per decision and encoding it afterwards took most of a startup's
 * time. The parts repeated on many decisions (the duration prefix; origin, scenario, scope and
 * type) come from the text writer and are encoded once; ids and plain values are copied digit by
 * digit and byte by byte. A spec holds the bytes equal to DecisionJsonWriter.write.
 */
export class DecisionByteWriter {
  private readonly middles = new Map<string, Map<string, Map<string, Map<string, Buffer>>>>();
  private readonly prefixes = new Map<number, Buffer>();

  constructor(private readonly text: DecisionTextParts) {}

  /** The most bytes one decision can take, so a caller can flush its buffer before it fills. */
  static maxBytes(d: ViewableDecision): number {
    return 256 + 6 * (d.value.length + d.scenario.length + d.origin.length + d.scope.length + d.type.length);
  }

  /** Writes one decision at `at`; returns the offset after it. */
  write(buf: Buffer, at: number, d: ViewableDecision): number {
    let off = at;
    const prefix = this.prefix(d.until);
    off += prefix.copy(buf, off);
    off = writeInteger(buf, off, d.id);
    const middle = this.middle(d);
    off += middle.copy(buf, off);
    if (isPlainAscii(d.value)) {
      buf[off++] = 0x22;
      for (let i = 0; i < d.value.length; i++) buf[off++] = d.value.charCodeAt(i);
      buf[off++] = 0x22;
    } else {
      off += buf.write(JSON.stringify(d.value), off, 'utf8');
    }
    buf[off++] = 0x7d;
    return off;
  }

  private prefix(until: number): Buffer {
    let p = this.prefixes.get(until);
    if (p === undefined) {
      p = Buffer.from(this.text.prefix(until), 'utf8');
      if (this.prefixes.size < 100_000) this.prefixes.set(until, p);
    }
    return p;
  }

  /** The encoded middle part, per combination of origin, scenario, scope, type and simulated. */
  private middle(d: ViewableDecision): Buffer {
    const type = d.simulated ? `${d.type}\u0000sim` : d.type;
    let byScenario = this.middles.get(d.origin);
    if (!byScenario) this.middles.set(d.origin, (byScenario = new Map()));
    let byScope = byScenario.get(d.scenario);
    if (!byScope) byScenario.set(d.scenario, (byScope = new Map()));
    let byType = byScope.get(d.scope);
    if (!byType) byScope.set(d.scope, (byType = new Map()));
    let m = byType.get(type);
    if (!m) {
      m = Buffer.from(this.text.middle(d), 'utf8');
      byType.set(type, m);
    }
    return m;
  }
}

/** A non-negative safe integer in decimal. */
function writeInteger(buf: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let rest = n;
  for (let i = at + digits - 1; i >= at; i--) {
    buf[i] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}
