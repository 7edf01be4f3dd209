// Prints the edge's routing map generated from the route table, to paste into
// deploy/nginx/lapi.conf, deploy/nginx/lapi.local.conf.template and deploy/k8s/40-edge.yaml:
//   npm run edge:map
// apps/standalone/test/route-table.e2e-spec.ts fails while any of them differs.
import 'reflect-metadata';
import { renderEdgeMap, routeTable } from '@lapi/common';
// Loading every module declares every route.
import '../apps/standalone/src/app.module';

console.log(renderEdgeMap(routeTable()));
