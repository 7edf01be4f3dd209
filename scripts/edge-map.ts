// Prints the edge's routing generated from the route table: the maps of each route's service and
// body limit, and the locations holding those limits. Paste them into deploy/nginx/lapi.conf,
// deploy/nginx/lapi.local.conf.template and deploy/k8s/40-edge.yaml:
//   npm run edge:map
// POST /v1/alerts takes LAPI_MAX_BODY_BYTES (read from the environment, as the services do).
// apps/standalone/test/route-table.e2e-spec.ts fails while any copy differs from the table.
import 'reflect-metadata';
import { renderEdgeRouting, routeTable } from '@lapi/common';
import { loadConfig } from '@lapi/config';
// Loading every module declares every route.
import '../apps/standalone/src/app.module';

console.log(renderEdgeRouting(routeTable(), loadConfig().maxBodyBytes));
