// Runs a compiled entrypoint from dist/, resolving the @lapi/* aliases to the compiled libs.
// Compiles first when dist/ is missing or older than the sources (tsc: it type-checks too).
// The check reads only directory entries and mtimes (a few ms); tests and specs, which the build
// leaves out (tsconfig.build.json), do not count, so editing a test does not rebuild every command.
const { execFileSync } = require('node:child_process');
const { existsSync, statSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { loadWithLazyDateFormat } = require('./lazy-date-format');

const root = path.resolve(__dirname, '..');
// As tsconfig.json: `@lapi/<lib>` is a lib's index (libs/<lib>/src), `@lapi/<lib>/light` its light door (libs/<lib>/light).
const LAPI_PATHS = { '@lapi/*': ['libs/*/src', 'libs/*'] };

const notBuilt = (name) => name.endsWith('.spec.ts') || name.endsWith('.e2e-spec.ts');
const notBuiltDirs = new Set(['test', 'testing']);

/** The newest mtime of the files under `dir`, walking only the entries `counts` keeps. */
function newestFile(dir, counts = () => true) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!counts(entry)) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestFile(p, counts) : statSync(p).mtimeMs);
  }
  return newest;
}

const isBuiltSource = (entry) => (entry.isDirectory() ? !notBuiltDirs.has(entry.name) : entry.name.endsWith('.ts') && !notBuilt(entry.name));
const newestSource = (dir) => newestFile(dir, isBuiltSource);

function ensureBuilt(entry) {
  const built = path.join(root, 'dist', entry);
  const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(newestSource(path.join(root, 'apps')), newestSource(path.join(root, 'libs')));
  if (stale) execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  return built;
}

/*
 * A service starts from one file: its compiled entrypoint and every module it imports, ours and
 * the dependencies', bundled by esbuild (a dev dependency, as tsc is). Loading ~1,800 modules one
 * by one (resolving each path through the aliases, reading, wrapping) was about a third of a start
 * (bench/NOTES.md has the measurements). The bundle is made from dist/, whose code tsc compiled with
 * the decorators' metadata that Nest's injection reads (esbuild cannot emit it from the sources).
 */
const BUNDLE_DIR = path.join(root, 'dist', 'bundles');
/**
 * Left out of the bundle, loaded from node_modules as before: PGlite reads its WebAssembly and data
 * files beside its own code; app-root-path looks for the application from its own path (TypeORM
 * loads it); node-forge (the CA) and nats (the bus of a cluster) load on first use, and a process
 * that never uses them should not hold their code; the others are optional packages Nest and pg
 * load only when a feature asks for them.
 */
const EXTERNAL = [
  '@electric-sql/pglite',
  'app-root-path',
  'node-forge',
  'nats',
  'pg-native',
  '@nestjs/microservices',
  '@nestjs/websockets',
  '@nestjs/platform-express',
  '@fastify/static',
  '@fastify/view',
  'class-transformer',
  'class-validator',
];

const bundleOf = (entry) => path.join(BUNDLE_DIR, `${entry.split('/')[1]}.js`);

/** Newer than dist/ and than the installed dependencies (npm ci rewrites node_modules/.package-lock.json). */
function isFresh(bundle) {
  if (!existsSync(bundle)) return false;
  const at = statSync(bundle).mtimeMs;
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  return at >= newestFile(path.join(root, 'dist', 'apps')) && at >= newestFile(path.join(root, 'dist', 'libs')) && (!existsSync(installed) || at >= statSync(installed).mtimeMs);
}

/** The @lapi/* aliases, resolved to dist/ as tsconfig-paths resolves them for the unbundled entry (a plugin would need esbuild's asynchronous API). */
const ALIASES_TSCONFIG = path.join(__dirname, 'bundle.tsconfig.json');

/**
 * V8 keeps a script's source as one string, of one byte a character only while none is above
 * U+00FF. esbuild escapes non-ASCII text except in regular expression literals, where one Greek mu
 * (libs/common's duration parser) made the standalone's 4.5 MB source take 8.9 MB of heap. Such a
 * character is written as a \u escape, which means the same in a regex, string or template.
 */
function escapeWideCharacters(file) {
  const text = readFileSync(file, 'utf8');
  if (!/[^\x00-\xff]/.test(text)) return;
  writeFileSync(file, text.replace(/[^\x00-\xff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * The entry's bundle, made when missing or stale; undefined where esbuild is not installed and no
 * fresh bundle is there (the entry then runs from dist/ module by module, as it did before).
 * Written beside and renamed into place: processes started together never read half a bundle.
 */
function ensureBundled(entry) {
  const built = ensureBuilt(entry);
  const bundle = bundleOf(entry);
  if (isFresh(bundle)) return bundle;
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    return undefined;
  }
  const partial = `${bundle}.${process.pid}.partial`;
  try {
    esbuild.buildSync({
      entryPoints: [built],
      outfile: partial,
      bundle: true,
      platform: 'node',
      target: 'node20',
      external: EXTERNAL,
      tsconfig: ALIASES_TSCONFIG,
      // V8 keeps a script's source for as long as its functions may compile: without comments and
      // layout (and without node-forge and nats) the standalone's 8.3 MB are 4.6 MB. Names are kept
      // (Nest's tokens and log contexts are class names), so stack traces still name every function.
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'none',
      logLevel: 'error',
    });
    escapeWideCharacters(partial);
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
  renameSync(partial, bundle);
  return bundle;
}

/** What scripts/service.js runs, each from its bundle. */
const SERVICES = ['standalone', 'ingest', 'decisions', 'registration', 'capi', 'ca', 'capi-sim'];
const serviceEntry = (name) => `apps/${name}/src/main.js`;

/** Every service's bundle, made now (the image's build, and tests before they start services in parallel). */
function bundleServices() {
  for (const name of SERVICES) ensureBundled(serviceEntry(name));
}

function runCompiled(entry) {
  const bundle = ensureBundled(entry);
  if (!bundle) require('tsconfig-paths').register({ baseUrl: path.join(root, 'dist'), paths: LAPI_PATHS });
  // See lazy-date-format.js: the framework's loggers are among what loads here.
  loadWithLazyDateFormat(() => require(bundle ?? path.join(root, 'dist', entry)));
}

module.exports = runCompiled;
module.exports.ensureBuilt = ensureBuilt;
module.exports.ensureBundled = ensureBundled;
module.exports.assertBundled = (entry) => {
  if (!isFresh(bundleOf(entry))) throw new Error(`${bundleOf(entry)} is missing or older than dist/ or node_modules`);
};
module.exports.SERVICES = SERVICES;
module.exports.serviceEntry = serviceEntry;
module.exports.bundleServices = bundleServices;
module.exports.escapeWideCharacters = escapeWideCharacters;
