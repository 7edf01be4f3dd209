import { ViewableDecision } from '@lapi/decision-model';

/**
 * Writes a string of printable ASCII other than `"` and `\` (almost every value) in quotes, byte
 * for byte: it needs no escaping and is the same in UTF-8. Returns -1 at the first other
 * character, for the caller to write the string as JSON text instead.
 */
function writePlainString(buf: Buffer, at: number, s: string): number {
  let off = at;
  buf[off++] = 0x22;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
    buf[off++] = c;
  }
  buf[off++] = 0x22;
  return off;
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
  // A startup lists decisions in the order they were stored, so neighbours mostly share an
  // expiry and a middle part: the last ones are checked before the maps.
  private lastUntil = NaN;
  private lastPrefix: Buffer = Buffer.alloc(0);
  private lastMiddleOf?: ViewableDecision;
  private lastMiddle: Buffer = Buffer.alloc(0);

  constructor(private readonly text: DecisionTextParts) {}

  /** The most bytes one decision can take, so a caller can flush its buffer before it fills. */
  static maxBytes(d: ViewableDecision): number {
    return 256 + 6 * (d.value.length + d.scenario.length + d.origin.length + d.scope.length + d.type.length);
  }

  /** Writes one decision at `at`; returns the offset after it. */
  write(buf: Buffer, at: number, d: ViewableDecision): number {
    let off = at;
    // TypedArray#set: Buffer#copy costs more than the copy itself for a few dozen bytes.
    const prefix = this.prefix(d.until);
    buf.set(prefix, off);
    off = writeInteger(buf, off + prefix.length, d.id);
    const middle = this.middle(d);
    buf.set(middle, off);
    off += middle.length;
    const valueAt = off;
    off = writePlainString(buf, valueAt, d.value);
    if (off < 0) off = valueAt + buf.write(JSON.stringify(d.value), valueAt, 'utf8');
    buf[off++] = 0x7d;
    return off;
  }

  private prefix(until: number): Buffer {
    if (until === this.lastUntil) return this.lastPrefix;
    let p = this.prefixes.get(until);
    if (p === undefined) {
      p = Buffer.from(this.text.prefix(until), 'utf8');
      if (this.prefixes.size < 100_000) this.prefixes.set(until, p);
    }
    this.lastUntil = until;
    return (this.lastPrefix = p);
  }

  /** The encoded middle part, per combination of origin, scenario, scope, type and simulated. */
  private middle(d: ViewableDecision): Buffer {
    const last = this.lastMiddleOf;
    if (last && last.origin === d.origin && last.scenario === d.scenario && last.scope === d.scope && last.type === d.type && last.simulated === d.simulated) return this.lastMiddle;
    this.lastMiddleOf = d;
    return (this.lastMiddle = this.lookUpMiddle(d));
  }

  private lookUpMiddle(d: ViewableDecision): Buffer {
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
