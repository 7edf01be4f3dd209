import { formatDuration } from '@lapi/common';
import { Readable } from 'node:stream';
import { ViewableDecision } from './decision-view';

/** Strings that need no escaping in JSON (almost all scopes, values, scenarios): written as they are. */
const PLAIN = /^[^"\\\u0000-\u001f\u2028\u2029]*$/;

function str(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** Origins, scenarios, scopes and types repeat on many decisions: their JSON text is kept. */
const repeated = new Map<string, string>();
function strRepeated(s: string): string {
  let json = repeated.get(s);
  if (json === undefined) {
    json = str(s);
    if (repeated.size < 10_000) repeated.set(s, json);
  }
  return json;
}

/**
 * Renders decisions for bouncers by hand, with the fields upstream's LAPI sends them (duration,
 * id, origin, scenario, scope, type, value, and simulated only when true, as upstream omits a
 * false one): a stream startup sends a million, and
 * building objects for JSON.stringify costs several times more. Expiry times repeat across a
 * batch (an import shares one), so their text is worked out once.
 */
export class DecisionJsonWriter {
  private readonly times = new Map<number, string>();

  constructor(private readonly now: number) {}

  write(d: ViewableDecision): string {
    let times = this.times.get(d.until);
    if (times === undefined) {
      times = `{"duration":"${formatDuration(d.until - this.now)}","id":`;
      if (this.times.size < 100_000) this.times.set(d.until, times);
    }
    const simulated = d.simulated ? '"simulated":true,' : '';
    return `${times}${d.id},"origin":${strRepeated(d.origin)},"scenario":${strRepeated(d.scenario)},"scope":${strRepeated(d.scope)},${simulated}"type":${strRepeated(d.type)},"value":${str(d.value)}}`;
  }

  /** A JSON array, or `null` when empty (upstream's answer for no decisions). */
  array(list: readonly ViewableDecision[], emptyAsNull: boolean): string {
    if (list.length === 0) return emptyAsNull ? 'null' : '[]';
    return `[${list.map((d) => this.write(d)).join(',')}]`;
  }

  /** `{"new": [...], "deleted": [...]}` as a stream of chunks, so a huge startup never becomes one string. */
  stream(created: readonly ViewableDecision[], ended: readonly ViewableDecision[]): Readable {
    const self = this;
    function* chunks(): Generator<string> {
      yield '{"new":';
      yield* self.arrayChunks(created);
      yield ',"deleted":';
      yield* self.arrayChunks(ended);
      yield '}';
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  private *arrayChunks(list: readonly ViewableDecision[]): Generator<string> {
    const per = 2000;
    yield '[';
    for (let i = 0; i < list.length; i += per) {
      let part = i === 0 ? '' : ',';
      const end = Math.min(list.length, i + per);
      for (let j = i; j < end; j++) part += j === i ? this.write(list[j]) : `,${this.write(list[j])}`;
      yield part;
    }
    yield ']';
  }
}
