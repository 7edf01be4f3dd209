'use strict';
// Renders deploy/nginx/lapi.local.conf.template: the edge (Debian's nginx, unprivileged, in the
// foreground) in front of services running as processes on loopback ports. No dependencies.
//
//   const { renderLocalConfig, nginxArgs } = require('./deploy/nginx/render-local');
//   const conf = renderLocalConfig({ edgePort: 18080, ingest: [18081], decisions: [18082, 18083], registration: [18084], dir });
//   spawn('nginx', nginxArgs(conf));            // nginx -e stderr -p DIR -c DIR/nginx.conf
//   ... process.kill(pid, 'SIGQUIT') to stop it gracefully.
//
// CLI: node deploy/nginx/render-local.js --edge 18080 --ingest 18081 --decisions 18082,18083 \
//        --registration 18084 --dir /tmp/edge      (prints the config path)
const fs = require('node:fs');
const path = require('node:path');

const TEMPLATE = path.join(__dirname, 'lapi.local.conf.template');
const SHIPPED = path.join(__dirname, 'lapi.conf');
const TEMP_DIRS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

/**
 * The routing part of an nginx config (maps, server) without comments, its listen directive, and
 * where the services are: the upstream blocks and the $lapi_upstream map, which the template has
 * for loopback ports and lapi.conf leaves to the deployment's upstreams file.
 */
function routingDirectives(text) {
  const start = text.indexOf('map "');
  if (start < 0) throw new Error('no map block found');
  const lines = text
    .slice(start)
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '')
    .filter((line) => !/^listen\s/.test(line));
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    if (/^upstream\s+\w+\s*\{$/.test(lines[i]) || /^map\s+\$lapi_service\s+\$lapi_upstream\s*\{$/.test(lines[i])) {
      while (i < lines.length && lines[i] !== '}') i++;
      continue;
    }
    out.push(lines[i]);
  }
  return out;
}

/** Throws when the template's routing is not exactly deploy/nginx/lapi.conf's. */
function assertSameRouting(template, shipped) {
  const a = routingDirectives(shipped);
  const b = routingDirectives(template);
  // The template closes http {} after the server block.
  if (b[b.length - 1] === '}') b.pop();
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      throw new Error(`lapi.local.conf.template differs from lapi.conf at directive ${i + 1}: ${JSON.stringify(b[i])} vs ${JSON.stringify(a[i])}`);
    }
  }
}

function checkPort(p, what) {
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`${what}: ${JSON.stringify(p)} is not a port`);
  return p;
}

function servers(ports, what) {
  if (!Array.isArray(ports) || ports.length === 0) throw new Error(`${what}: at least one port is needed`);
  return ports.map((p) => `        server 127.0.0.1:${checkPort(p, what)};`).join('\n');
}

/**
 * Writes DIR/nginx.conf (pid DIR/nginx.pid, temp files under DIR/tmp) and returns its path.
 * DIR is created if missing and made traversable (0755): nginx started as root runs its
 * workers as `nobody`, which must reach the temp directories to buffer request bodies.
 */
function renderLocalConfig({ edgePort, ingest, decisions, registration, dir }) {
  if (!dir) throw new Error('dir is required');
  const root = path.resolve(dir);
  const tmp = path.join(root, 'tmp');
  fs.mkdirSync(root, { recursive: true });
  fs.chmodSync(root, 0o755);
  fs.mkdirSync(tmp, { recursive: true });
  fs.chmodSync(tmp, 0o755);
  for (const t of TEMP_DIRS) fs.mkdirSync(path.join(tmp, t), { recursive: true });

  const template = fs.readFileSync(TEMPLATE, 'utf8');
  assertSameRouting(template, fs.readFileSync(SHIPPED, 'utf8'));

  const values = {
    __EDGE_PORT__: String(checkPort(edgePort, 'edgePort')),
    __INGEST_UPSTREAMS__: servers(ingest, 'ingest'),
    __DECISIONS_UPSTREAMS__: servers(decisions, 'decisions'),
    __REGISTRATION_UPSTREAMS__: servers(registration, 'registration'),
    __PID_FILE__: path.join(root, 'nginx.pid'),
    __TMP_DIR__: tmp,
  };
  // Only the directives are rendered; the comment lines that name the tokens go.
  let conf = template.replace(/^#.*\n/gm, '');
  for (const [token, value] of Object.entries(values)) conf = conf.split(token).join(value);
  const left = conf.match(/__[A-Z_]+__/);
  if (left) throw new Error(`unrendered token ${left[0]}`);

  const file = path.join(root, 'nginx.conf');
  fs.writeFileSync(file, conf);
  return file;
}

/** Arguments for `nginx` to run a rendered config: errors to stderr, prefix = its directory. */
function nginxArgs(confPath) {
  return ['-e', 'stderr', '-p', path.dirname(confPath), '-c', confPath];
}

module.exports = { renderLocalConfig, nginxArgs, routingDirectives };

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = {};
  for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];
  const ports = (s) => String(s ?? '').split(',').filter(Boolean).map(Number);
  try {
    const file = renderLocalConfig({
      edgePort: Number(opt.edge),
      ingest: ports(opt.ingest),
      decisions: ports(opt.decisions),
      registration: ports(opt.registration),
      dir: opt.dir,
    });
    console.log(file);
  } catch (e) {
    console.error(`render-local: ${e.message}`);
    console.error('usage: node deploy/nginx/render-local.js --edge PORT --ingest P[,P] --decisions P[,P] --registration P[,P] --dir DIR');
    process.exit(2);
  }
}
