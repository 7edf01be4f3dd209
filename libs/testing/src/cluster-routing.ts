import { ClusterService, routeTable } from '@lapi/common';

const pattern = (path: string) => new RegExp(`^${path.replace(/:\w+/g, '[^/]+')}$`);

/**
 * The cluster service the edge sends a request to, read from the route table (the edge's own
 * source), so a test routes as the edge does. The table holds the routes of the libs loaded in
 * this process: import the apps' modules first. An exact path wins over a parameterised one.
 */
export function serviceFor(method: string, pathAndQuery: string): ClusterService {
  const path = pathAndQuery.split('?')[0];
  const routes = routeTable().filter((r) => r.method === method);
  const route = routes.find((r) => r.path === path) ?? routes.find((r) => pattern(r.path).test(path));
  if (!route?.service) throw new Error(`no cluster service serves ${method} ${path}`);
  return route.service;
}
