#!/usr/bin/env node
// Runs one service by name: standalone, ingest, decisions, registration, capi, ca, or the CAPI simulator capi-sim
// (node scripts/service.js ingest).
const name = process.argv[2];
// Every service but a decisions replica grows its old generation by a fifth (heap-growth.js). A
// replica's heap is small and busy: at 10,000 polling bouncers the setting's extra collections
// cost it 0.50 against 0.43 cores and a poll p99 of 61 against 34 ms, to save 10 MiB with 100,000
// decisions (169-175 against 182-185 MiB; bench/NOTES.md).
if (name !== 'decisions') require('./heap-growth');
const runCompiled = require('./run-compiled');

if (!runCompiled.SERVICES.includes(name)) {
  console.error(`usage: node scripts/service.js <${runCompiled.SERVICES.join('|')}>`);
  process.exit(2);
}
runCompiled(runCompiled.serviceEntry(name));
