import { RouteDeclaration, RouteMethod } from './route-table';

const METHOD_ORDER: RouteMethod[] = ['GET', 'POST', 'DELETE'];
const PAD = 47;

/** The nginx regex of a route path: `:id` matches one path segment. */
function pathPattern(path: string): string {
  return path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+');
}

/**
 * The edge's `map "$request_method $uri" $lapi_service` block for these routes: one line per
 * path and service, GET routes answering HEAD too, anything else `none` (a JSON 404 at the edge).
 * Routes with no service (the probes) are not routed. deploy/nginx/lapi.conf, its local template
 * and the k8s ConfigMap hold this block; a spec compares them (`npm run edge:map` prints it).
 */
export function renderEdgeMap(routes: readonly RouteDeclaration[], indent = ''): string {
  const groups = new Map<string, { path: string; service: string; methods: Set<string> }>();
  for (const r of routes) {
    if (r.service === null) continue;
    const key = `${r.path} ${r.service}`;
    const g = groups.get(key) ?? { path: r.path, service: r.service, methods: new Set<string>() };
    g.methods.add(r.method);
    groups.set(key, g);
  }
  const lines = [...groups.values()]
    .sort((a, b) => (a.path === b.path ? a.service.localeCompare(b.service) : a.path < b.path ? -1 : 1))
    .map(({ path, service, methods }) => {
      const list = METHOD_ORDER.filter((m) => methods.has(m)).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
      const pattern = `"~^${list.length > 1 ? `(${list.join('|')})` : list[0]} ${pathPattern(path)}$"`;
      return `${indent}    ${pattern.padEnd(PAD)}${service};`;
    });
  return [`${indent}map "$request_method $uri" $lapi_service {`, `${indent}    ${'default'.padEnd(PAD)}none;`, ...lines, `${indent}}`].join('\n');
}
