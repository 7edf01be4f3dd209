import { FrameReader, simpleQuery } from './pg-wire';

/** A start-up message: length, protocol 3.0, user, end. */
function startup(): Buffer {
  const body = Buffer.from('user\0lapi\0\0', 'latin1');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
}

const inChunks = (buf: Buffer, size: number) => Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));

describe('FrameReader', () => {
  it('cuts the start-up and the messages after it out of one chunk', () => {
    const reader = new FrameReader();
    const frames = reader.push(Buffer.concat([startup(), simpleQuery('SELECT 1'), simpleQuery('SELECT 2')]));
    expect(frames.map((f) => f.kind)).toEqual(['startup', 'message', 'message']);
    expect(frames[2]).toEqual({ kind: 'message', type: 'Q', bytes: simpleQuery('SELECT 2') });
  });

  it('gives a large message whole once its last chunk is in, joining the chunks once', () => {
    const reader = new FrameReader();
    reader.push(startup());
    const big = simpleQuery(`INSERT INTO t VALUES ${Array.from({ length: 20_000 }, (_, i) => `(${i})`).join(',')}`);
    const concat = jest.spyOn(Buffer, 'concat');
    const chunks = inChunks(big, 1000);
    const frames = chunks.flatMap((c) => reader.push(c));
    expect(chunks.length).toBeGreaterThan(100);
    expect(frames).toEqual([{ kind: 'message', type: 'Q', bytes: big }]);
    expect(concat).toHaveBeenCalledTimes(1);
    concat.mockRestore();
  });

  it('waits for a header split across chunks, byte by byte', () => {
    const reader = new FrameReader();
    const stream = Buffer.concat([startup(), simpleQuery('SELECT 1'), simpleQuery('SELECT 22')]);
    const frames = inChunks(stream, 1).flatMap((c) => reader.push(c));
    expect(frames.map((f) => (f.kind === 'message' ? f.bytes.toString('latin1', 5, f.bytes.length - 1) : f.kind))).toEqual(['startup', 'SELECT 1', 'SELECT 22']);
  });

  it('refuses a start-up code it does not speak', () => {
    const bad = startup();
    bad.writeInt32BE(12345, 4);
    expect(() => new FrameReader().push(bad)).toThrow(/unsupported start-up code 12345/);
  });

  it('refuses a length shorter than its own header, before and after start-up, instead of looping on it', () => {
    const shortStartup = startup();
    shortStartup.writeInt32BE(4, 0);
    expect(() => new FrameReader().push(shortStartup)).toThrow(/invalid start-up length 4/);
    const reader = new FrameReader();
    reader.push(startup());
    const negative = Buffer.from([0x51, 0xff, 0xff, 0xff, 0xff]); // 'Q', length -1
    expect(() => reader.push(negative)).toThrow(/invalid message length -1/);
  });
});
