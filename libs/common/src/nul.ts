import { DomainError, badRequest } from './errors';

/** What a NUL in free text becomes: Unicode's mark for a character that could not be kept. */
export const NUL_REPLACEMENT = '\uFFFD';

/**
 * Postgres refuses NUL (U+0000) in text and jsonb, so a string holding one cannot be stored
 * or compared. Identifiers (names, scopes, values, scenarios) holding one are refused with a
 * 4xx naming the field. Free text (a log line an agent forwards) gets the NUL replaced instead:
 * refusing it would make the agent retry the same alert forever.
 */
export function refuseNul(value: string, where: string, toError: (message: string) => DomainError = badRequest): void {
  if (value.includes('\0')) throw toError(`${where}: NUL characters are not allowed`);
}

/**
 * Walks a validated body in place: NULs in strings at free-text paths (`isFreeText('0.message')`)
 * are replaced, anywhere else they are refused.
 */
export function checkNul(body: unknown, isFreeText: (path: string) => boolean, toError: (message: string) => DomainError = badRequest): void {
  walk(body, '', isFreeText, toError);
}

function walk(node: unknown, path: string, isFreeText: (path: string) => boolean, toError: (message: string) => DomainError): void {
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const here = path ? `${path}.${key}` : key;
    if (typeof value !== 'string') walk(value, here, isFreeText, toError);
    else if (!value.includes('\0')) continue;
    else if (isFreeText(here)) (node as Record<string, unknown>)[key] = value.replaceAll('\0', NUL_REPLACEMENT);
    else refuseNul(value, here, toError);
  }
}
