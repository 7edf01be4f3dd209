import { formatDuration } from '@lapi/common';
import { Readable } from 'node:stream';
import { ViewableDecision } from '@lapi/decision-model';
import { DecisionByteWriter } from './decision-bytes';

/**
 * Bytes per chunk of a streamed reply. A 64 KB chunk's string is an ordinary young object (a
 * 256 KB one was a large object of its own) and its copy for the socket stays off mmap: a
 * 100,000-decision startup peaked 12 MiB lower, and was no slower (bench/NOTES.md).
 */
const CHUNK_BYTES = 64 * 1024;

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

  /** `{"duration":"...","id":` for an expiry time. */
  prefix(until: number): string {
    let times = this.times.get(until);
    if (times === undefined) {
      times = `{"duration":"${formatDuration(until - this.now)}","id":`;
      if (this.times.size < 100_000) this.times.set(until, times);
    }
    return times;
  }

  /** `,"origin":..,"scenario":..,"scope":..,["simulated":true,]"type":..,"value":`: what sits between the id and the value. */
  middle(d: ViewableDecision): string {
    const simulated = d.simulated ? '"simulated":true,' : '';
    return `,"origin":${strRepeated(d.origin)},"scenario":${strRepeated(d.scenario)},"scope":${strRepeated(d.scope)},${simulated}"type":${strRepeated(d.type)},"value":`;
  }

  write(d: ViewableDecision): string {
    return `${this.prefix(d.until)}${d.id}${this.middle(d)}${str(d.value)}}`;
  }

  /** A JSON array, or `null` when empty (upstream's answer for no decisions). */
  array(list: readonly ViewableDecision[], emptyAsNull: boolean): string {
    if (list.length === 0) return emptyAsNull ? 'null' : '[]';
    return `[${list.map((d) => this.write(d)).join(',')}]`;
  }

  /**
   * `{"new": [...], "deleted": [...]}`: one buffer when it is one chunk (a delta poll, most
   * replies), else a stream, so a huge startup never becomes one string. A stream cost each small
   * reply a generator, a Readable and chunked encoding.
   *
   * A stream's chunks are strings, copied out of the shared buffer: buffers of their own were
   * memory outside V8's heap that it reclaimed only after tens of MB (a 125,000-decision startup
   * left 16 MB of them behind, the peak of an embedded LAPI under load), where strings are young
   * heap objects, collected with the rest. A chunk ends between two decisions, so it is whole UTF-8.
   */
  stream(created: readonly ViewableDecision[], ended: readonly ViewableDecision[]): Buffer | Readable {
    const views = this.views(created, ended);
    const first = views.next().value as ChunkView;
    if (first.last) return Buffer.from(first.bytes);
    // Copied now: another reply may be written into the shared buffer before this one is read.
    const head = first.bytes.toString('utf8');
    return Readable.from(
      (function* () {
        yield head;
        for (const view of views) yield view.bytes.toString('utf8');
      })(),
      { objectMode: false, encoding: 'utf8' },
    );
  }

  /** The same bytes as `stream`, as the buffers it is made of (one line: no newline in them). */
  *streamChunks(created: readonly ViewableDecision[], ended: readonly ViewableDecision[]): Generator<Buffer> {
    for (const view of this.views(created, ended)) yield Buffer.from(view.bytes);
  }

  /**
   * Writes the reply chunk by chunk into one shared buffer and yields a view of each, valid until
   * the next is asked for: the caller copies it out first. Each fill runs to its view without
   * yielding, so replies written in turn never share the buffer's contents. A decision larger
   * than the buffer gets one of its own.
   */
  private views(created: readonly ViewableDecision[], ended: readonly ViewableDecision[]): Generator<ChunkView> {
    const bytes = new DecisionByteWriter(this);
    function* views(): Generator<ChunkView> {
      const buf = scratch;
      let off = buf.write('{"new":[', 0, 'latin1');
      for (const [name, list] of [['new', created], ['deleted', ended]] as const) {
        if (name === 'deleted') off += buf.write('],"deleted":[', off, 'latin1');
        for (let i = 0; i < list.length; i++) {
          const d = list[i];
          const need = DecisionByteWriter.maxBytes(d) + 16;
          if (off + need > buf.length) {
            if (off > 0) yield { bytes: buf.subarray(0, off), last: false };
            off = 0;
            if (need > buf.length) {
              const own = Buffer.allocUnsafe(need);
              yield { bytes: own.subarray(0, bytes.write(own, i > 0 ? ((own[0] = 0x2c), 1) : 0, d)), last: false };
              continue;
            }
          }
          if (i > 0) buf[off++] = 0x2c;
          off = bytes.write(buf, off, d);
        }
      }
      off += buf.write(']}', off, 'latin1');
      yield { bytes: buf.subarray(0, off), last: true };
    }
    return views();
  }
}

/** A chunk of a reply in the shared buffer, and whether it is the reply's last. */
interface ChunkView {
  bytes: Buffer;
  last: boolean;
}

/** The buffer every reply is written into before it is copied out (see views). */
const scratch = Buffer.allocUnsafe(CHUNK_BYTES);
