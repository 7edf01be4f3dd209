#!/usr/bin/env node
// Runs one service by name: standalone, ingest, decisions, registration or ca (node scripts/service.js ingest).
const services = ['standalone', 'ingest', 'decisions', 'registration', 'ca'];
const name = process.argv[2];
if (!services.includes(name)) {
  console.error(`usage: node scripts/service.js <${services.join('|')}>`);
  process.exit(2);
}
require('./run-compiled')(`apps/${name}/src/main.js`);
