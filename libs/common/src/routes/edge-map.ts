import { bodyLimitOf, RouteDeclaration, RouteMethod } from './route-table';

const METHOD_ORDER: RouteMethod[] = ['GET', 'POST', 'DELETE'];
const PAD = 47;
/** The internal locations that hold each body limit: `/.lapi-body-limit/64k`, unreachable from outside. */
export const BODY_LIMIT_LOCATION = '/.lapi-body-limit/';
/**
 * Where a request goes: `host:port` of its service. Each deployment defines it beside the
 * routing (compose: deploy/nginx/upstreams.compose.conf; Kubernetes: the edge ConfigMap's
 * upstreams.conf), with the `resolver` that looks the name up at request time.
 */
export const UPSTREAM_VARIABLE = '$lapi_upstream';

/** The nginx regex of a route path: `:id` matches one path segment. */
function pathPattern(path: string): string {
  return path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+');
}

/** A size as nginx reads it: `32m`, `64k`, or bytes. */
export function nginxSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}m`;
  if (bytes % 1024 === 0) return `${bytes / 1024}k`;
  return String(bytes);
}

/**
 * A `map "$request_method $uri" $variable` block: one line per path and value, GET routes
 * answering HEAD too, anything else `none`. Routes with no service (the probes) are not routed.
 */
function renderRouteMap(routes: readonly RouteDeclaration[], variable: string, valueOf: (r: RouteDeclaration) => string, indent: string): string {
  const groups = new Map<string, { path: string; value: string; methods: Set<string> }>();
  for (const r of routes) {
    if (r.service === null) continue;
    const value = valueOf(r);
    const key = `${r.path} ${value}`;
    const g = groups.get(key) ?? { path: r.path, value, methods: new Set<string>() };
    g.methods.add(r.method);
    groups.set(key, g);
  }
  const lines = [...groups.values()]
    .sort((a, b) => (a.path === b.path ? a.value.localeCompare(b.value) : a.path < b.path ? -1 : 1))
    .map(({ path, value, methods }) => {
      const list = METHOD_ORDER.filter((m) => methods.has(m)).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
      const pattern = `"~^${list.length > 1 ? `(${list.join('|')})` : list[0]} ${pathPattern(path)}$"`;
      return `${indent}    ${pattern.padEnd(PAD)}${value};`;
    });
  return [`${indent}map "$request_method $uri" $${variable} {`, `${indent}    ${'default'.padEnd(PAD)}none;`, ...lines, `${indent}}`].join('\n');
}

/**
 * The edge's `$lapi_service` map: the service each method and path goes to; anything else is
 * `none` (a JSON 404 at the edge).
 */
export function renderEdgeMap(routes: readonly RouteDeclaration[], indent = ''): string {
  return renderRouteMap(routes, 'lapi_service', (r) => r.service ?? 'none', indent);
}

/** The edge's `$lapi_body_limit` map: each method and path's body limit, as nginx writes sizes. */
export function renderBodyLimitMap(routes: readonly RouteDeclaration[], maxBodyBytes: number, indent = ''): string {
  return renderRouteMap(routes, 'lapi_body_limit', (r) => nginxSize(bodyLimitOf(r, maxBodyBytes)), indent);
}

/**
 * The server-level part of the edge's body limits. nginx's client_max_body_size takes no
 * variable and a location is chosen by path alone (POST /v1/alerts takes megabytes, GET
 * /v1/alerts none), so `location /` sends each request on to an internal location holding its
 * route's limit. The largest limit is the ceiling `location /` checks before that.
 */
export function renderBodyLimitLocations(routes: readonly RouteDeclaration[], maxBodyBytes: number, indent = ''): string {
  const limits = [...new Set(routes.filter((r) => r.service !== null).map((r) => bodyLimitOf(r, maxBodyBytes)))].sort((a, b) => a - b);
  const ceiling = `${indent}client_max_body_size ${nginxSize(Math.max(...limits))};`;
  const locations = limits.map((bytes) => {
    const size = nginxSize(bytes);
    const name = `${BODY_LIMIT_LOCATION}${size}`.padEnd(BODY_LIMIT_LOCATION.length + 4);
    return `${indent}location = ${name} { internal; ${`client_max_body_size ${size};`.padEnd(27)} proxy_pass http://${UPSTREAM_VARIABLE}$request_uri; }`;
  });
  return [ceiling, ...locations].join('\n');
}

/** What `npm run edge:map` prints: the http-level maps and the server-level limits, each labelled. */
export function renderEdgeRouting(routes: readonly RouteDeclaration[], maxBodyBytes: number): string {
  return [
    '# http {} level, before the server block:',
    renderEdgeMap(routes),
    '',
    renderBodyLimitMap(routes, maxBodyBytes),
    '',
    '# server {} level:',
    renderBodyLimitLocations(routes, maxBodyBytes),
  ].join('\n');
}

/** Replaces the first line matching `start` and the lines right after it that `isInside` takes, with `render` at that line's indentation. */
function replaceBlock(text: string, start: RegExp, isInside: (line: string) => boolean, render: (indent: string) => string, what: string): string {
  const lines = text.split('\n');
  const first = lines.findIndex((l) => start.test(l));
  if (first < 0) throw new Error(`no ${what} found`);
  let last = first;
  while (last + 1 < lines.length && isInside(lines[last + 1])) last++;
  const indent = /^\s*/.exec(lines[first])![0];
  return [...lines.slice(0, first), render(indent), ...lines.slice(last + 1)].join('\n');
}

/**
 * An edge config with its generated parts (the two maps, the body-limit ceiling and locations)
 * replaced by those of the route table; the rest is kept as written. `npm run edge:map -- --write`
 * writes every copy this way.
 */
export function rewriteEdgeRouting(text: string, routes: readonly RouteDeclaration[], maxBodyBytes: number): string {
  const inMap = () => {
    let closed = false;
    return (line: string) => {
      if (closed) return false;
      if (/^\s*\}\s*$/.test(line)) closed = true;
      return true;
    };
  };
  let out = replaceBlock(text, /^\s*map "\$request_method \$uri" \$lapi_service \{/, inMap(), (i) => renderEdgeMap(routes, i), 'service map');
  out = replaceBlock(out, /^\s*map "\$request_method \$uri" \$lapi_body_limit \{/, inMap(), (i) => renderBodyLimitMap(routes, maxBodyBytes, i), 'body-limit map');
  const isLimitLocation = (line: string) => line.trimStart().startsWith(`location = ${BODY_LIMIT_LOCATION}`);
  out = replaceBlock(out, /^\s*client_max_body_size \S+;\s*$/, isLimitLocation, (i) => renderBodyLimitLocations(routes, maxBodyBytes, i), 'body-limit locations');
  return out;
}
