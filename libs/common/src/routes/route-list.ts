import { AuthKind, KiB, RouteDeclaration, RouteMethod } from './route-table';

const METHOD_ORDER: RouteMethod[] = ['GET', 'POST', 'DELETE'];

const CALLERS: Record<AuthKind, string> = {
  public: 'public',
  machine: 'machine (JWT)',
  bouncer: 'bouncer (API key or certificate)',
  'machine-or-bouncer': 'machine (JWT) or bouncer (API key or certificate)',
};

function bodyLimit(r: RouteDeclaration): string {
  if (r.bodyLimit === 'LAPI_MAX_BODY_BYTES') return '`LAPI_MAX_BODY_BYTES`';
  return r.bodyLimit % KiB === 0 ? `${r.bodyLimit / KiB} KiB` : `${r.bodyLimit} bytes`;
}

function callers(r: RouteDeclaration): string {
  if (!r.certificate) return CALLERS[r.auth];
  const { roles, required } = r.certificate;
  return `${CALLERS[r.auth]}, ${roles.join(' or ')} certificate${required ? ' (required)' : ' (if presented)'}`;
}

function row(r: RouteDeclaration): string {
  const cells = [
    r.method,
    `\`${r.path.replace(/:(\w+)/g, '{$1}')}\``,
    callers(r),
    bodyLimit(r),
    r.from ? `\`${r.from}\`` : 'any',
    r.service ?? 'each service (probe; not routed by the edge)',
  ];
  return `| ${cells.join(' | ')} |`;
}

/**
 * The route list of deploy/README.md, as a markdown table: method, URL, who may call, body
 * limit, addresses allowed and the service the edge sends it to. `npm run routes:doc` prints
 * it; apps/standalone/test/route-table.e2e-spec.ts fails while the README holds another.
 */
export function renderRouteList(routes: readonly RouteDeclaration[]): string {
  const sorted = [...routes].sort((a, b) => (a.path === b.path ? METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method) : a.path < b.path ? -1 : 1));
  return ['| method | URL | callers | body limit | from | service |', '|---|---|---|---|---|---|', ...sorted.map(row)].join('\n');
}
