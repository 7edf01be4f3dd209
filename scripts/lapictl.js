#!/usr/bin/env node
// lapictl: the admin command (npm run lapictl -- <args>, or node scripts/lapictl.js <args>).
// Node 22+ keeps compiled code between runs (most of a command's start is compiling the framework's modules).
require('node:module').enableCompileCache?.();
require('./run-compiled')('apps/cli/src/main.js');
