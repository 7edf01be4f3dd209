import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClusterCaFiles, freePort, PemFiles, pollUntil, startNats } from '@lapi/testing';
import { connect } from 'nats';
import { DecisionChanges, DecisionRecord } from '@lapi/decision-model';
import { connectNats, NatsBus, natsConnectionOptions, NatsTlsFiles } from './nats-bus';

const prefix = `lapi-test-${randomBytes(4).toString('hex')}`;

const decision = (seq: number): DecisionRecord => ({
  id: seq, uuid: 'u', alertId: 1, createdAt: 0, until: 1, scenario: 's', type: 'ban', scope: 'Ip', value: `192.0.2.${seq}`, origin: 'cscli', simulated: false, seq, ended: false,
});

const connectOnce = (url: string, tls?: NatsTlsFiles) => connectNats(url, 'tls-test', tls);

describe('NatsBus over TLS, with certificates of the cluster CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-nats-tls-'));
  const ca = createClusterCaFiles(join(dir, 'ca'), 'lapi-cluster test CA');
  const otherCa = createClusterCaFiles(join(dir, 'other-ca'), 'lapi-cluster test CA');
  let server: PemFiles;
  let client: PemFiles;
  let nats: Awaited<ReturnType<typeof startNats>>;
  let mutual: Awaited<ReturnType<typeof startNats>>;
  const tlsUrl = (n: { port: number }) => `tls://lapi:bus-secret@127.0.0.1:${n.port}`;

  beforeAll(async () => {
    server = ca.issueServer('nats', ['localhost'], ['127.0.0.1']);
    client = ca.issueClient('lapi-service');
    const tls = ['--tls', '--tlscert', server.certPath, '--tlskey', server.keyPath, '--user', 'lapi', '--pass', 'bus-secret'];
    [nats, mutual] = await Promise.all([startNats(undefined, tls), startNats(undefined, [...tls, '--tlsverify', '--tlscacert', ca.caPath])]);
  });

  afterAll(async () => {
    await Promise.all([nats?.stop(), mutual?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes and receives decision changes over TLS with NATS_TLS_CA_FILE', async () => {
    const a = new NatsBus(await connectNats(tlsUrl(nats), 'tls-a', { caFile: ca.caPath }), prefix);
    const b = new NatsBus(await connectNats(tlsUrl(nats), 'tls-b', { caFile: ca.caPath }), prefix);
    try {
      const got: DecisionChanges[] = [];
      const stop = b.onDecisionChanges((c) => got.push(c));
      await pollUntil(async () => {
        await a.publishDecisionChanges({ fromSeq: 1, toSeq: 1, decisions: [decision(1)] });
        return got.length > 0;
      }, 'b to hear a over TLS');
      stop();
      expect(got[0].decisions[0].value).toBe('192.0.2.1');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('stops at once, naming the settings, on a server whose certificate is not signed by NATS_TLS_CA_FILE', async () => {
    await expect(connectOnce(tlsUrl(nats), { caFile: otherCa.caPath })).rejects.toThrow(/refused: unable to verify the first certificate \(check NATS_URL and NATS_TLS_CA_FILE/);
  });

  it('stops on a server certificate for another name', async () => {
    const elsewhere = ca.issueServer('elsewhere', ['nats.example.org'], []);
    const wrongName = await startNats(undefined, ['--tls', '--tlscert', elsewhere.certPath, '--tlskey', elsewhere.keyPath]);
    try {
      await expect(connectOnce(`tls://127.0.0.1:${wrongName.port}`, { caFile: ca.caPath })).rejects.toThrow(/does not match certificate's altnames/);
    } finally {
      await wrongName.stop();
    }
  });

  it('waits for a NATS server that is not up yet, then connects over TLS', async () => {
    const port = await freePort();
    const pending = connectOnce(`tls://127.0.0.1:${port}`, { caFile: ca.caPath });
    await new Promise((r) => setTimeout(r, 1000));
    const late = await startNats(port, ['--tls', '--tlscert', server.certPath, '--tlskey', server.keyPath]);
    try {
      const nc = await pending;
      expect(nc.isClosed()).toBe(false);
      await nc.close();
    } finally {
      await late.stop();
    }
  });

  it('with tls:// and no CA file, verifies against the system CAs, which do not know the cluster CA', async () => {
    await expect(connectOnce(tlsUrl(nats))).rejects.toThrow(/unable to verify the first certificate/);
    // The same server through the right CA: only the trust anchor differed.
    await (await connectOnce(tlsUrl(nats), { caFile: ca.caPath })).close();
  });

  it('requires TLS once a CA file is given, even on a nats:// URL', async () => {
    const plain = await startNats(undefined, ['--user', 'lapi', '--pass', 'bus-secret']);
    try {
      await expect(connectOnce(`nats://lapi:bus-secret@127.0.0.1:${plain.port}`, { caFile: ca.caPath })).rejects.toThrow(/tls|TLS/);
    } finally {
      await plain.stop();
    }
  });

  it('with mutual TLS, connects with the client certificate and key, and is refused without them', async () => {
    const nc = await connectOnce(tlsUrl(mutual), { caFile: ca.caPath, certFile: client.certPath, keyFile: client.keyPath });
    expect(nc.isClosed()).toBe(false);
    await nc.close();
    // One attempt: under TLS 1.3 the server's alert comes after the handshake (as an alert or a
    // reset), so connectNats would see a timeout and retry (logging it) rather than an error to name.
    const once = connect({ ...natsConnectionOptions(tlsUrl(mutual), { caFile: ca.caPath }), reconnect: false });
    await expect(once).rejects.toThrow(/bad certificate|certificate required|ECONNRESET/);
  });
});
