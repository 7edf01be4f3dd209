import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error';
import { readImportFile } from './import-file';

describe('readImportFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'import-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads RFC 4180 fields: quoted commas, doubled quotes and line breaks stay as written', () => {
    const path = file('q.csv', 'Value,Reason\r\n192.0.2.1,"brute force, ssh"\r\n192.0.2.2,"say ""hi"""\r\n192.0.2.3,"a\nb"\r\n');
    const { lines, skipped } = readImportFile(path, undefined, {});
    expect(skipped).toEqual([]);
    expect(lines.map((l) => l.reason)).toEqual(['brute force, ssh', 'say "hi"', 'a\nb']);
  });

  it('fills cscli\'s defaults, marks every decision cscli-import, and lets the flags override the file', () => {
    const path = file('o.csv', 'value,duration,type,reason,origin\n192.0.2.1,1h,captcha,mine,my-list\n192.0.2.0/24,,,,\n');
    expect(readImportFile(path, undefined, {}).lines).toEqual([
      { value: '192.0.2.1', scope: 'Ip', duration: '1h', type: 'captcha', reason: 'mine', origin: 'cscli-import' },
      { value: '192.0.2.0/24', scope: 'Range', duration: '4h', type: 'ban', reason: 'manual', origin: 'cscli-import' },
    ]);
    const overridden = readImportFile(path, undefined, { duration: '2h', type: 'ban', reason: 'flag' }).lines;
    expect(overridden.map((l) => [l.duration, l.type, l.reason])).toEqual([['2h', 'ban', 'flag'], ['2h', 'ban', 'flag']]);
  });

  it('skips bad rows with their line numbers', () => {
    const path = file('b.csv', 'value\n192.0.2.1\nnot-an-ip\n\n192.0.2.0/33\n');
    expect(readImportFile(path, undefined, {}).skipped).toEqual([
      { line: 3, why: "'not-an-ip' is not an IP address" },
      { line: 5, why: "'192.0.2.0/33' is not a CIDR range" },
    ]);
  });

  it('names the file and the problem in one line for a missing file, bad JSON, an unclosed quote or no value column', () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.csv'), /^cannot read \S+missing\.csv: no such file$/],
      [file('bad.json', '[{"value": 1,}]'), /^\S+bad\.json is not JSON \(line 1\); give --format csv if it is CSV$/],
      [file('open.csv', 'value,reason\n192.0.2.1,"unclosed\n'), /^cannot read \S+open\.csv: not valid CSV/],
      [file('novalue.csv', 'ip,reason\n192.0.2.1,x\n'), /must name a value column$/],
    ];
    for (const [path, message] of cases) {
      expect(() => readImportFile(path, undefined, {})).toThrow(CliError);
      expect(() => readImportFile(path, undefined, {})).toThrow(message);
    }
  });

  it('says a file is not JSON with the line of the mistake, without the parser\'s own text', () => {
    const cases: [string, string, number][] = [
      ['list.json', 'duration,scope,value\n4h,ip,1.2.3.4\n', 1],
      ['comma.json', '[\n  {"value": "1.2.3.4"},\n  {"value": "1.2.3.5",}\n]\n', 3],
      ['cut.json', '[\n  {"value": "1.2.3.4"},\n', 2],
    ];
    for (const [name, text, line] of cases) {
      const path = file(name, text);
      expect(() => readImportFile(path, undefined, {})).toThrow(new CliError(`${path} is not JSON (line ${line}); give --format csv if it is CSV`));
    }
  });
});
