import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { escapeWideCharacters } = require('./run-compiled') as { escapeWideCharacters(file: string): void };

describe('a bundle written with one byte per character', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bundle-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('escapes characters above U+00FF in regex and string literals, and means the same', () => {
    const file = join(dir, 'b.js');
    const source = "var PART=/(\\d+)(ns|us|µs|μs|ms)/y;var ARROW='→';PART.lastIndex=0;[PART.exec('5μs')[2],PART.exec('7µs')?.[2]??(PART.lastIndex=0,PART.exec('7µs')[2]),ARROW]";
    writeFileSync(file, source);
    escapeWideCharacters(file);
    const escaped = readFileSync(file, 'utf8');
    expect(escaped).not.toMatch(/[^\x00-\xff]/);
    expect(escaped).toContain('µs'); // Latin-1 stays as it is: it fits in a one-byte string
    expect(runInNewContext(escaped)).toEqual(runInNewContext(source));
    expect(runInNewContext(escaped)).toEqual(['μs', 'µs', '→']);
  });

  it('leaves a file without such characters untouched', () => {
    const file = join(dir, 'b.js');
    writeFileSync(file, "var a='µ plain';");
    escapeWideCharacters(file);
    expect(readFileSync(file, 'utf8')).toBe("var a='µ plain';");
  });
});
