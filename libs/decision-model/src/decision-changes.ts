import { DecisionRecord, isDecisionRecord } from './decision-record';

/** A batch of changes with contiguous sequence numbers `fromSeq..toSeq`, one decision per number. */
export interface DecisionChanges {
  fromSeq: number;
  toSeq: number;
  decisions: DecisionRecord[];
}

/**
 * Encodes a batch as JSON messages of at most `maxBytes` each, with contiguous sub-ranges (each
 * decision of a batch has its own number). Sizes are counted in bytes: a count limit let large
 * records exceed NATS's max_payload, and the publish then failed after the commit.
 */
export function encodeChanges(changes: DecisionChanges, maxBytes: number): Uint8Array[] {
  const envelope = (fromSeq: number, toSeq: number, items: string[]) => `{"fromSeq":${fromSeq},"toSeq":${toSeq},"decisions":[${items.join(',')}]}`;
  const parts: Uint8Array[] = [];
  let items: string[] = [];
  let bytes = envelope(changes.toSeq, changes.toSeq, []).length;
  let fromSeq = changes.fromSeq;
  changes.decisions.forEach((d, i) => {
    const item = JSON.stringify(d);
    const size = Buffer.byteLength(item) + 1;
    if (items.length > 0 && bytes + size > maxBytes) {
      parts.push(Buffer.from(envelope(fromSeq, d.seq - 1, items)));
      fromSeq = d.seq;
      items = [];
      bytes = envelope(changes.toSeq, changes.toSeq, []).length;
    }
    items.push(item);
    bytes += size;
    if (i === changes.decisions.length - 1) parts.push(Buffer.from(envelope(fromSeq, changes.toSeq, items)));
  });
  return parts.length ? parts : [Buffer.from(envelope(changes.fromSeq, changes.toSeq, []))];
}

/**
 * A batch is trusted only if it is consistent: one decision per number of its range, in order,
 * each a well-formed record. A forged `toSeq` far ahead would otherwise move an index head (and
 * through it bouncer cursors) past the database.
 */
export function isDecisionChanges(m: unknown): m is DecisionChanges {
  const c = m as DecisionChanges;
  if (!c || !Number.isSafeInteger(c.fromSeq) || !Number.isSafeInteger(c.toSeq) || c.fromSeq < 1 || c.fromSeq > c.toSeq) return false;
  if (!Array.isArray(c.decisions) || c.decisions.length !== c.toSeq - c.fromSeq + 1) return false;
  return c.decisions.every((d, i) => isDecisionRecord(d) && d.seq === c.fromSeq + i);
}
