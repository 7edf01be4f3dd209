import { Command, InvalidArgumentError, Option } from 'commander';
import { Run } from '../output';

// The CA lib, node-forge and the database load only once a command has parsed (--help stays light).
const actions = () => import('./ca.actions');

/** A Go duration's form (1h, 30m, 1h30m, 2d); ca.actions parses it and wants it positive. */
const DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h|d))+$/;
/** libs/ca's CERTIFICATE_NAME (the CA refuses any other CN), here so the grammar loads no lib. */
const CERTIFICATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const duration = (v: string) => {
  if (!DURATION.test(v)) throw new InvalidArgumentError('expected a duration such as 1h or 30m');
  return v;
};
const positiveInt = (v: string) => {
  if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return Number(v);
};
const hostName = (v: string) => {
  if (!CERTIFICATE_NAME.test(v)) throw new InvalidArgumentError("letters, digits, '.', '_' and '-' only");
  return v;
};

export function caCommand(run: Run): Command {
  const cmd = new Command('ca').description("the cluster's certificate authority: client certificates for agents and bouncers");
  cmd
    .command('init')
    .description('create the CA key (encrypted with LAPI_CA_KEY_PASSPHRASE, mode 0600 at LAPI_CA_KEY_FILE) and certificate (LAPI_CA_DIR/ca.pem)')
    .option('--name <cn>', "the CA certificate's common name", 'lapi-cluster CA')
    .action(async (o: { name: string }) => (await actions()).caInit(o.name));
  cmd
    .command('server-cert')
    .description("issue the services' server certificate for DNS names and IP addresses")
    .requiredOption('--out <dir>', 'where to write cert.pem and key.pem')
    .option('--dns <names...>', 'DNS names', [])
    .option('--ip <addresses...>', 'IP addresses', [])
    .addOption(new Option('--ttl <duration>', 'lifetime').argParser(duration).default('8760h'))
    .action(async (o: { out: string; dns: string[]; ip: string[]; ttl: string }) => (await actions()).serverCert(o));

  const token = cmd.command('token').description('enrollment tokens');
  token
    .command('create')
    .description('print a token that enrolls hosts in one role (stored hashed; single-use unless --uses)')
    .addOption(new Option('--role <role>', 'what the certificate will be').choices(['agent', 'bouncer']).makeOptionMandatory())
    .addOption(new Option('--ttl <duration>', 'how long the token can be used').argParser(duration).default('1h'))
    .addOption(new Option('--uses <n>', 'how many enrollments it allows').argParser(positiveInt).default(1))
    .action((o: { role: string; ttl: string; uses: number }) => run(async (app) => (await actions()).createToken(app, o))());

  cmd
    .command('enroll')
    .description('make a key here, send only a CSR with the token, and write DIR/key.pem, cert.pem, ca.pem')
    .requiredOption('--url <url>', "the LAPI's URL, e.g. https://lapi:8080")
    .requiredOption('--token <token>', 'from lapictl ca token create')
    .requiredOption('--name <name>', "this host's name (the certificate's CN)", hostName)
    .requiredOption('--out <dir>', 'where to write the files')
    .option('--ca-cert <file>', "CA of the LAPI's server certificate, when the system does not trust it")
    .action(async (o: { url: string; token: string; name: string; out: string; caCert?: string }) => (await actions()).enroll(o));
  cmd
    .command('renew')
    .description('renew DIR/cert.pem with a new key, authenticated by the current certificate (no token)')
    .requiredOption('--url <url>', "the LAPI's URL")
    .requiredOption('--dir <dir>', 'where key.pem, cert.pem and ca.pem are')
    .action(async (o: { url: string; dir: string }) => (await actions()).renew(o));

  cmd
    .command('list')
    .description('certificates the CA issued')
    .action(() => run(async (app, format) => (await actions()).listCertificates(app, format))());
  cmd
    .command('revoke <serialOrName>')
    .description('revoke a certificate (or every one issued to a name): into the CRL, and refused by every node')
    .action((target: string) => run(async (app) => (await actions()).revoke(app, target))());
  return cmd;
}
