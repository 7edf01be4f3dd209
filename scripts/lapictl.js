#!/usr/bin/env node
// lapictl: the admin command (npm run lapictl -- <args>, or node scripts/lapictl.js <args>).
require('./run-compiled')('apps/cli/src/main.js');
