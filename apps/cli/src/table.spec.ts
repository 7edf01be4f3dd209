import { renderTable } from './table';

describe('renderTable', () => {
  it('lays a table out as cscli 1.4.6 does: dashed rules, columns three spaces apart, a space at each end', () => {
    // As cscli bouncers list prints it (names shortened). Emoji count two columns, as terminals draw them.
    const rule = '-'.repeat(34);
    expect(renderTable(['Name', 'IP Address', 'Valid'], [['fw-1', '', '✔️'], ['bouncer-two', '192.0.2.1', '✔️']], false).split('\n')).toEqual([
      rule,
      ' Name          IP Address   Valid ',
      rule,
      ' fw-1                       ✔️    ',
      ' bouncer-two   192.0.2.1    ✔️    ',
      rule,
    ]);
  });

  it('pads by display width (wide characters take two columns)', () => {
    const [, , , row] = renderTable(['a', 'b'], [['日本', 'x']], false).split('\n');
    expect(row).toBe(' 日本   x ');
  });

  it('never passes control characters from stored text to the terminal', () => {
    const out = renderTable(['reason'], [['evil\x1b[2J\r\nline']], false);
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
    expect(out.split('\n')).toHaveLength(5);
  });

  it('paints the header and rules only in colour mode', () => {
    expect(renderTable(['a'], [['b']], false)).not.toMatch(/\x1b/);
    expect(renderTable(['a'], [['b']], true)).toMatch(/\x1b\[31m a \x1b\[39m/);
  });
});
