/** Go's time.Time.String(): `2006-01-02 15:04:05.999999999 -0700 MST` (some agents send it). */
const GO_STRING = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)? ([+-]\d{2})(\d{2})(?: \S+)?(?: m=[+-][\d.]+)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Reads an alert timestamp (RFC 3339, or Go's default format); undefined when it is neither. */
export function parseAlertTime(text: string): Date | undefined {
  let iso: string | undefined;
  if (RFC3339.test(text)) iso = text;
  const go = GO_STRING.exec(text);
  if (go) iso = `${go[1]}T${go[2]}${go[3] ?? ''}${go[4]}:${go[5]}`;
  if (!iso) return undefined;
  // Trim nanoseconds to milliseconds: Date keeps no more.
  const d = new Date(iso.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(d.getTime()) ? undefined : d;
}
