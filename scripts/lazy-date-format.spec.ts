// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadWithLazyDateFormat } = require('./lazy-date-format') as { loadWithLazyDateFormat<T>(load: () => T): T };

describe('loadWithLazyDateFormat', () => {
  it('builds the formatters made while loading on their first use, formatting as eager ones do', () => {
    const Eager = Intl.DateTimeFormat;
    let built = 0;
    const spy = jest.spyOn(Intl, 'DateTimeFormat').mockImplementation(((...args: ConstructorParameters<typeof Intl.DateTimeFormat>) => {
      built++;
      return new Eager(...args);
    }) as unknown as typeof Intl.DateTimeFormat);
    try {
      const options: Intl.DateTimeFormatOptions = { year: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', day: '2-digit', month: '2-digit' };
      const lazy = loadWithLazyDateFormat(() => new Intl.DateTimeFormat(undefined, options));
      expect(built).toBe(0);
      const at = Date.UTC(2026, 11, 4, 5, 30);
      expect(lazy.format(at)).toBe(new Eager(undefined, options).format(at));
      expect(built).toBe(1);
      lazy.format(at);
      expect(built).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('puts Intl.DateTimeFormat back, even when loading throws', () => {
    const before = Intl.DateTimeFormat;
    loadWithLazyDateFormat(() => undefined);
    expect(Intl.DateTimeFormat).toBe(before);
    expect(() => loadWithLazyDateFormat(() => { throw new Error('load failed'); })).toThrow('load failed');
    expect(Intl.DateTimeFormat).toBe(before);
  });
});
