#!/usr/bin/env node
// Runs one service by name: standalone, ingest, decisions, registration, capi, ca, or the CAPI simulator capi-sim
// (node scripts/service.js ingest).
require('./heap-growth');
const runCompiled = require('./run-compiled');

const name = process.argv[2];
if (!runCompiled.SERVICES.includes(name)) {
  console.error(`usage: node scripts/service.js <${runCompiled.SERVICES.join('|')}>`);
  process.exit(2);
}
runCompiled(runCompiled.serviceEntry(name));
