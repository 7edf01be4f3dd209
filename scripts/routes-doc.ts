// Prints the route list generated from the route table, to paste into deploy/README.md between
// its `route list` markers:
//   npm run routes:doc
// apps/standalone/test/route-table.e2e-spec.ts fails while the README holds another.
import 'reflect-metadata';
import { renderRouteList, routeTable } from '@lapi/common';
// Loading every module declares every route.
import '../apps/standalone/src/app.module';

console.log(renderRouteList(routeTable()));
