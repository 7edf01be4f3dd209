#!/usr/bin/env node
// npm start: the standalone LAPI (embedded database and bus unless DATABASE_URL / NATS_URL are set).
require('./heap-growth');
// Before the framework loads: see lazy-date-format.js (lapictl's lists load no framework at all).
require('./lazy-date-format').loadWithLazyDateFormat(() => require('@nestjs/common'));
require('./run-compiled')('apps/standalone/src/main.js');
