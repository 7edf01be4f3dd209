#!/usr/bin/env node
// npm start: the standalone LAPI (embedded database and bus unless DATABASE_URL / NATS_URL are set).
require('./heap-growth');
require('./run-compiled')('apps/standalone/src/main.js');
