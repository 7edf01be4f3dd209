import stringWidth from 'string-width';

const RED = '\x1b[31m';
const GREY = '\x1b[90m';
const DEFAULT = '\x1b[39m';
/** Control characters in stored text (an agent's scenario, a reason) must not reach the terminal. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A table as cscli 1.4.6 prints one: rules of dashes above and below the header and at the end,
 * columns three spaces apart. In colour, the header is red and the rules grey. Written out rather
 * than drawn with cli-table3, which took 165–320 ms for 200 rows (most of a `decisions list`) and
 * grows with the list; this is one pass over the cells.
 */
export function renderTable(header: string[], rows: string[][], colored: boolean): string {
  const clean = (s: string) => s.replace(CONTROL, ' ');
  const body = rows.map((r) => header.map((_, i) => clean(r[i] ?? '')));
  const head = header.map(clean);
  const widths = head.map((h) => stringWidth(h));
  for (const r of body) r.forEach((c, i) => (widths[i] = Math.max(widths[i], stringWidth(c))));
  const line = (cells: string[]) => ` ${cells.map((c, i) => c + ' '.repeat(widths[i] - stringWidth(c))).join('   ')} `;
  const paint = (color: string, s: string) => (colored ? `${color}${s}${DEFAULT}` : s);
  const rule = paint(GREY, '-'.repeat(widths.reduce((a, w) => a + w, 0) + 3 * (widths.length - 1) + 2));
  return [rule, paint(RED, line(head)), rule, ...body.map(line), rule].join('\n');
}

/** cscli's inspect tables: a title over rows of a name and a value, no header. */
export function renderTitledRows(title: string, rows: string[][], colored: boolean): string {
  const [top, , , ...rest] = renderTable(['', ''], rows, colored).split('\n');
  return [top, ` ${title.replace(CONTROL, ' ')}`, top, ...rest].join('\n');
}
