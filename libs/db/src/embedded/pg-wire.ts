/**
 * The few parts of the Postgres wire protocol the embedded session server needs: framing client
 * messages, finding the transaction status a reply ends with, and writing an error of its own.
 */

const STARTUP_PROTOCOL = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** What a frame from the client is, before and after start-up. */
export type ClientFrame =
  | { kind: 'startup'; bytes: Buffer }
  | { kind: 'ssl-request' }
  | { kind: 'cancel' }
  | { kind: 'message'; type: string; bytes: Buffer };

/**
 * The size of the frame at `at`, or of its header while that is not all in `buf`. A length
 * shorter than the header it sits in is refused: the frame would never end (a message's -1 made
 * the reader loop forever on the same bytes).
 */
function frameBytes(buf: Buffer, at: number, started: boolean): number {
  if (!started) {
    if (buf.length - at < 8) return 8;
    const len = buf.readInt32BE(at);
    if (len < 8) throw new Error(`invalid start-up length ${len}`);
    return len;
  }
  if (buf.length - at < 5) return 5;
  const len = buf.readInt32BE(at + 1);
  if (len < 4) throw new Error(`invalid message length ${len}`);
  return 1 + len;
}

/**
 * Cuts complete frames off the front of `buf`; returns them, what is left, whether start-up is
 * done, and how many bytes the next frame needs before it can be cut.
 */
function readFrames(buf: Buffer, started: boolean): { frames: ClientFrame[]; rest: Buffer; started: boolean; needed: number } {
  const frames: ClientFrame[] = [];
  let at = 0;
  let len: number;
  while (buf.length - at >= (len = frameBytes(buf, at, started))) {
    const bytes = buf.subarray(at, at + len);
    at += len;
    if (started) {
      // A view, not a copy: a socket's chunks are buffers of their own, never reused by Node.
      frames.push({ kind: 'message', type: String.fromCharCode(bytes[0]), bytes });
      continue;
    }
    const code = bytes.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) frames.push({ kind: 'ssl-request' });
    else if (code === CANCEL_REQUEST) frames.push({ kind: 'cancel' });
    else if (code === STARTUP_PROTOCOL) {
      frames.push({ kind: 'startup', bytes: Buffer.from(bytes) });
      started = true;
    } else throw new Error(`unsupported start-up code ${code}`);
  }
  return { frames, rest: at === 0 ? buf : buf.subarray(at), started, needed: len };
}

/**
 * Frames a client's byte stream as it arrives. A large message (an import's INSERT of thousands of
 * rows, a few MB) comes in many socket chunks: they are joined once the frame is whole, not at
 * every chunk, which copied the growing message each time (107 MB of copies, most of an embedded
 * LAPI's resident peak, to load 100,000 decisions).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** How many bytes the first frame needs before it can be cut (its header's, until that is here). */
  private needed = 0;
  private started = false;

  /** Adds a chunk; returns the frames it completed. Throws on a start-up code the server does not speak. */
  push(chunk: Buffer): ClientFrame[] {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes < this.needed) return [];
    const read = readFrames(this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bytes), this.started);
    this.chunks = read.rest.length > 0 ? [read.rest] : [];
    this.bytes = read.rest.length;
    this.started = read.started;
    this.needed = read.needed;
    return read.frames;
  }
}

/**
 * The status byte of the last ReadyForQuery in a server reply ('I' idle, 'T' in a transaction,
 * 'E' in a failed one), or undefined when the reply has none (the client's unit of work goes on).
 */
export function lastReadyStatus(reply: Uint8Array): string | undefined {
  let status: string | undefined;
  let at = 0;
  while (at + 5 <= reply.length) {
    const len = ((reply[at + 1] << 24) | (reply[at + 2] << 16) | (reply[at + 3] << 8) | reply[at + 4]) >>> 0;
    if (reply[at] === 0x5a && len === 5 && at + 6 <= reply.length) status = String.fromCharCode(reply[at + 5]);
    at += 1 + len;
  }
  return status;
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** An ErrorResponse with a SQLSTATE, as a server would send it. */
export function errorResponse(severity: 'ERROR' | 'FATAL', code: string, text: string): Buffer {
  const field = (t: string, v: string) => Buffer.concat([Buffer.from(t, 'latin1'), Buffer.from(v, 'utf8'), Buffer.alloc(1)]);
  return message('E', Buffer.concat([field('S', severity), field('V', severity), field('C', code), field('M', text), Buffer.alloc(1)]));
}

export const readyForQuery = (status: 'I' | 'T' | 'E') => message('Z', Buffer.from(status, 'latin1'));
export const SYNC = message('S', Buffer.alloc(0));
export const simpleQuery = (sql: string) => message('Q', Buffer.concat([Buffer.from(sql, 'utf8'), Buffer.alloc(1)]));
