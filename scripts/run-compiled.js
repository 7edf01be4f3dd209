// Runs a compiled entrypoint from dist/, resolving the @lapi/* aliases to the compiled libs.
// Compiles first when dist/ is missing or older than the sources (tsc: it type-checks too).
const { execFileSync } = require('node:child_process');
const { existsSync, statSync, readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function ensureBuilt(entry) {
  const built = path.join(root, 'dist', entry);
  const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(newestSource(path.join(root, 'apps')), newestSource(path.join(root, 'libs')));
  if (stale) execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  return built;
}

function runCompiled(entry) {
  const built = ensureBuilt(entry);
  require('tsconfig-paths').register({ baseUrl: path.join(root, 'dist'), paths: { '@lapi/*': ['libs/*/src'] } });
  require(built);
}

module.exports = runCompiled;
module.exports.ensureBuilt = ensureBuilt;
