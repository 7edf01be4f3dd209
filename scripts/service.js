#!/usr/bin/env node
// Runs one service by name: standalone, ingest, decisions, registration, capi, ca, or the CAPI simulator capi-sim
// (node scripts/service.js ingest).
const services = ['standalone', 'ingest', 'decisions', 'registration', 'capi', 'ca', 'capi-sim'];
const name = process.argv[2];
if (!services.includes(name)) {
  console.error(`usage: node scripts/service.js <${services.join('|')}>`);
  process.exit(2);
}
require('./heap-growth');
// Before the framework loads: see lazy-date-format.js (lapictl's lists load no framework at all).
require('./lazy-date-format').loadWithLazyDateFormat(() => require('@nestjs/common'));
require('./run-compiled')(`apps/${name}/src/main.js`);
