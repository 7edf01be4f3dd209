import { asNumberName, goDuration, logInfo, rfc3339, setColorMode, setLogLevel, toCsv } from './output';

describe('lapictl output helpers', () => {
  it('writes CSV as Go\'s encoding/csv does (cscli -o raw)', () => {
    expect(toCsv([['a', 'b, c', 'say "hi"', ' lead', '']])).toBe('a,"b, c","say ""hi"""," lead",');
  });

  it('prints times and ages as cscli does', () => {
    expect(rfc3339(new Date('2026-12-02T01:18:31.114Z'))).toBe('2026-12-02T01:18:31Z');
    expect(goDuration(0)).toBe('0s');
    expect(goDuration(65_400)).toBe('1m5s');
    expect(goDuration(4 * 3600_000)).toBe('4h0m0s');
  });

  it('colours only on a terminal without NO_COLOR, unless asked with --color yes|no', () => {
    expect(setColorMode('auto', true, {})).toBe(true);
    expect(setColorMode('auto', false, {})).toBe(false);
    expect(setColorMode('auto', true, { NO_COLOR: '1' })).toBe(false);
    expect(setColorMode('yes', false, { NO_COLOR: '1' })).toBe(true);
    expect(setColorMode('no', true, {})).toBe(false);
  });
});

describe('asNumberName', () => {
  it('is empty for a source without AS, as cscli prints it', () => {
    expect(asNumberName({ as_number: '', as_name: '' })).toBe('');
    expect(asNumberName({ as_number: '64496', as_name: 'EXAMPLE' })).toBe('64496 EXAMPLE');
  });
});

describe('logInfo', () => {
  afterEach(() => setLogLevel('info'));

  it('writes a write command\'s message on stderr, as cscli\'s logger, unless --warning or --error asked for less', () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      logInfo('1 decision(s) deleted');
      setLogLevel('error');
      logInfo('hidden');
      expect(stderr.mock.calls.map((c) => c[0])).toEqual(['1 decision(s) deleted\n']);
      expect(stdout).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
  });
});
