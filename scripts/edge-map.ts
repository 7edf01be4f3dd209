// The edge's routing generated from the route table: the maps of each route's service and body
// limit, and the locations holding those limits.
//   npm run edge:map               prints them
//   npm run edge:map -- --write    writes them into every copy of the edge's routing:
//                                  deploy/nginx/lapi.conf, deploy/nginx/lapi.local.conf.template,
//                                  and deploy/k8s/base/edge/lapi.conf (a byte copy of lapi.conf,
//                                  since kustomize reads files under its own directory only)
// POST /v1/alerts takes LAPI_MAX_BODY_BYTES (read from the environment, as the services do).
// apps/standalone/test/route-table.e2e-spec.ts fails while any copy differs from the table.
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderEdgeRouting, rewriteEdgeRouting, routeTable } from '@lapi/common';
import { loadConfig } from '@lapi/config';
// Loading every module declares every route.
import '../apps/standalone/src/app.module';

const root = resolve(__dirname, '..');
const SHIPPED = 'deploy/nginx/lapi.conf';
const LOCAL_TEMPLATE = 'deploy/nginx/lapi.local.conf.template';
const K8S_COPY = 'deploy/k8s/base/edge/lapi.conf';

const maxBodyBytes = loadConfig().maxBodyBytes;
if (process.argv.includes('--write')) {
  for (const file of [SHIPPED, LOCAL_TEMPLATE]) {
    const path = resolve(root, file);
    const before = readFileSync(path, 'utf8');
    const after = rewriteEdgeRouting(before, routeTable(), maxBodyBytes);
    writeFileSync(path, after);
    console.log(`${file}: ${before === after ? 'unchanged' : 'rewritten'}`);
  }
  writeFileSync(resolve(root, K8S_COPY), readFileSync(resolve(root, SHIPPED)));
  console.log(`${K8S_COPY}: copied from ${SHIPPED}`);
} else {
  console.log(renderEdgeRouting(routeTable(), maxBodyBytes));
}
