// Runs a compiled entrypoint from dist/, resolving the @lapi/* aliases to the compiled libs.
// Compiles first when dist/ is missing or older than the sources (tsc: it type-checks too).
// The check reads only directory entries and mtimes (a few ms); tests and specs, which the build
// leaves out (tsconfig.build.json), do not count, so editing a test does not rebuild every command.
const { execFileSync } = require('node:child_process');
const { existsSync, statSync, readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// As tsconfig.json: `@lapi/<lib>` is a lib's index (libs/<lib>/src), `@lapi/<lib>/light` its light door (libs/<lib>/light).
const LAPI_PATHS = { '@lapi/*': ['libs/*/src', 'libs/*'] };

const notBuilt = (name) => name.endsWith('.spec.ts') || name.endsWith('.e2e-spec.ts');
const notBuiltDirs = new Set(['test', 'testing']);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = notBuiltDirs.has(entry.name) ? newest : Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts') && !notBuilt(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
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
  require('tsconfig-paths').register({ baseUrl: path.join(root, 'dist'), paths: LAPI_PATHS });
  require(built);
}

module.exports = runCompiled;
module.exports.ensureBuilt = ensureBuilt;
