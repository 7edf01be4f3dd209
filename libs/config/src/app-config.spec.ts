import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('defaults to the embedded database and in-process bus on 127.0.0.1:8080', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.natsUrl).toBeUndefined();
    expect(`${c.listenAddr}:${c.listenPort}`).toBe('127.0.0.1:8080');
  });

  it('reads durations and CIDR lists', () => {
    const c = loadConfig({ LAPI_FLUSH_MAX_AGE: '1h30m', LAPI_TRUSTED_PROXIES: '10.0.0.0/8, ::1' });
    expect(c.flushMaxAgeMs).toBe(90 * 60_000);
    expect(c.trustedProxies).toEqual(['10.0.0.0/8', '::1']);
  });

  it('lets only loopback delete alerts unless LAPI_TRUSTED_IPS says otherwise', () => {
    expect(loadConfig({}).trustedIps).toEqual(['127.0.0.0/8', '::1']);
    expect(loadConfig({ LAPI_TRUSTED_IPS: '192.0.2.7, 2001:db8::/32' }).trustedIps).toEqual(['192.0.2.7', '2001:db8::/32']);
  });

  it.each([
    ['LAPI_PORT', 'eighty', /LAPI_PORT="eighty"/],
    ['LAPI_TRUSTED_IPS', '127.0.0.1,localhost', /LAPI_TRUSTED_IPS=.*"localhost" is not an IP address/],
    ['LAPI_PORT', '70000', /LAPI_PORT/],
    ['LAPI_FLUSH_MAX_AGE', '7 days', /LAPI_FLUSH_MAX_AGE/],
    ['LAPI_TRUSTED_PROXIES', '10.0.0.0/33', /LAPI_TRUSTED_PROXIES/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL=<redacted>/],
    ['LAPI_JWT_SECRET', 'short', /LAPI_JWT_SECRET=<redacted>/],
    ['LAPI_CAPI_URL', 'ftp://api.example', /LAPI_CAPI_URL/],
    ['LAPI_CAPI_SHARING', 'maybe', /LAPI_CAPI_SHARING/],
    ['LAPI_DB_CACHE', '8', /LAPI_DB_CACHE="8": expected a size/],
    ['LAPI_DB_CACHE', '512kB', /LAPI_DB_CACHE="512kB": expected between 1MB and 1GB/],
    ['LAPI_DB_CACHE', '2GB', /LAPI_DB_CACHE/],
    ['LAPI_BOUNCERS_AUTODELETE_CERT', 'weekly', /LAPI_BOUNCERS_AUTODELETE_CERT="weekly"/],
    ['LAPI_AGENTS_AUTODELETE_LOGIN_PASSWORD', '-1h', /LAPI_AGENTS_AUTODELETE_LOGIN_PASSWORD/],
    ['LAPI_USAGE_METRICS_MAX_AGE', '0', /LAPI_USAGE_METRICS_MAX_AGE/],
  ])('stops on a bad %s and names it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('keeps bouncers and agents for good unless an autodelete duration is set, as upstream\'s flush', () => {
    expect(loadConfig({}).autoDelete).toEqual({ bouncersCertMs: undefined, bouncersApiKeyMs: undefined, agentsCertMs: undefined, agentsLoginPasswordMs: undefined });
    const c = loadConfig({ LAPI_BOUNCERS_AUTODELETE_CERT: '1h', LAPI_BOUNCERS_AUTODELETE_API_KEY: '7d', LAPI_AGENTS_AUTODELETE_CERT: '30m', LAPI_AGENTS_AUTODELETE_LOGIN_PASSWORD: '2d' });
    expect(c.autoDelete).toEqual({ bouncersCertMs: 3_600_000, bouncersApiKeyMs: 7 * 86_400_000, agentsCertMs: 1_800_000, agentsLoginPasswordMs: 2 * 86_400_000 });
    expect(loadConfig({}).usageMetricsMaxAgeMs).toBe(7 * 86_400_000);
  });

  it('talks to upstream\'s CAPI by default, sharing and pulling; each can be switched', () => {
    const c = loadConfig({});
    expect([c.capiUrl, c.capiEnabled, c.capiSharing, c.capiPull]).toEqual(['https://api.crowdsec.net/', true, true, true]);
    const d = loadConfig({ LAPI_CAPI_URL: 'http://127.0.0.1:9/', LAPI_CAPI: 'off', LAPI_CAPI_SHARING: 'false', LAPI_CAPI_PULL: '0' });
    expect([d.capiUrl, d.capiEnabled, d.capiSharing, d.capiPull]).toEqual(['http://127.0.0.1:9/', false, false, false]);
  });

  it('shares manual decisions and their deletions only when LAPI_CAPI_SHARE_MANUAL_DECISIONS says so, as upstream\'s console default', () => {
    expect(loadConfig({}).capiShareManualDecisions).toBe(false);
    expect(loadConfig({ LAPI_CAPI_SHARE_MANUAL_DECISIONS: 'true' }).capiShareManualDecisions).toBe(true);
    expect(() => loadConfig({ LAPI_CAPI_SHARE_MANUAL_DECISIONS: 'sometimes' })).toThrow(/LAPI_CAPI_SHARE_MANUAL_DECISIONS/);
  });

  it('sizes the embedded database\'s cache at 8 MB unless LAPI_DB_CACHE says otherwise', () => {
    expect(loadConfig({}).dbCacheBytes).toBe(8 << 20);
    expect(loadConfig({ LAPI_DB_CACHE: '64MB' }).dbCacheBytes).toBe(64 << 20);
    expect(loadConfig({ LAPI_DB_CACHE: '2048kB' }).dbCacheBytes).toBe(2 << 20);
  });

  it('takes a readable profiles file, and refuses LAPI_DEFAULT_BAN_DURATION beside it (that duration is the shipped profiles\')', () => {
    expect(loadConfig({}).profilesFile).toBeUndefined();
    expect(loadConfig({ LAPI_PROFILES_FILE: __filename }).profilesFile).toBe(__filename);
    expect(() => loadConfig({ LAPI_PROFILES_FILE: '/nonexistent/profiles.yaml' })).toThrow(/LAPI_PROFILES_FILE="\/nonexistent\/profiles.yaml": file does not exist/);
    expect(() => loadConfig({ LAPI_PROFILES_FILE: __filename, LAPI_DEFAULT_BAN_DURATION: '8h' })).toThrow(/LAPI_DEFAULT_BAN_DURATION="8h": applies to the shipped profiles only/);
  });

  it('requires allowed ranges with an auto-registration token', () => {
    expect(() => loadConfig({ LAPI_AUTO_REGISTRATION_TOKEN: 'x'.repeat(32) })).toThrow(/LAPI_AUTO_REGISTRATION_RANGES/);
  });

  describe('TLS', () => {
    const file = __filename;

    it('serves plain HTTP and verifies a certificate if given, with upstream OUs, by default', () => {
      const t = loadConfig({}).tls;
      expect(t.certFile).toBeUndefined();
      expect(t).toMatchObject({ clientVerification: 'VerifyClientCertIfGiven', agentsAllowedOu: ['agent-ou'], bouncersAllowedOu: ['bouncer-ou'] });
    });

    it('reads the files, mode and OU lists', () => {
      const t = loadConfig({
        LAPI_TLS_CERT_FILE: file,
        LAPI_TLS_KEY_FILE: file,
        LAPI_TLS_CLIENT_CA_FILE: file,
        LAPI_TLS_CLIENT_VERIFICATION: 'RequireAndVerifyClientCert',
        LAPI_TLS_AGENTS_ALLOWED_OU: 'agents, edge-agents',
      }).tls;
      expect(t).toMatchObject({ certFile: file, keyFile: file, clientCaFile: file, clientVerification: 'RequireAndVerifyClientCert', agentsAllowedOu: ['agents', 'edge-agents'] });
    });

    it.each([
      [{ LAPI_TLS_CERT_FILE: '/nonexistent/cert.pem', LAPI_TLS_KEY_FILE: __filename }, /LAPI_TLS_CERT_FILE="\/nonexistent\/cert.pem": file does not exist/],
      [{ LAPI_TLS_CERT_FILE: __filename }, /LAPI_TLS_KEY_FILE.*required/],
      [{ LAPI_TLS_CLIENT_CA_FILE: '/nonexistent/ca.pem' }, /LAPI_TLS_CLIENT_CA_FILE/],
      [{ LAPI_TLS_CRL_FILE: __filename }, /LAPI_TLS_CLIENT_CA_FILE.*required/],
      [{ LAPI_TLS_CLIENT_VERIFICATION: 'VerifyAlways' }, /LAPI_TLS_CLIENT_VERIFICATION="VerifyAlways"/],
      [{ LAPI_TLS_BOUNCERS_ALLOWED_OU: 'agent-ou' }, /LAPI_TLS_BOUNCERS_ALLOWED_OU/],
    ])('stops on %j and names the variable', (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  });

  describe('TLS to NATS', () => {
    it('adds nothing to the URL by default: a tls:// URL then verifies against the system CAs', () => {
      expect(loadConfig({ NATS_URL: 'tls://lapi:pw@nats:4222' }).natsTls).toEqual({ caFile: undefined, certFile: undefined, keyFile: undefined });
    });

    it('reads the CA file, and a client certificate and key for mutual TLS', () => {
      const t = loadConfig({ NATS_URL: 'tls://nats:4222', NATS_TLS_CA_FILE: __filename, NATS_TLS_CERT_FILE: __filename, NATS_TLS_KEY_FILE: __filename }).natsTls;
      expect(t).toEqual({ caFile: __filename, certFile: __filename, keyFile: __filename });
    });

    it.each([
      [{ NATS_TLS_CA_FILE: '/nonexistent/nats-ca.pem' }, /NATS_TLS_CA_FILE="\/nonexistent\/nats-ca.pem": file does not exist/],
      [{ NATS_TLS_CERT_FILE: '/nonexistent/cert.pem', NATS_TLS_KEY_FILE: __filename }, /NATS_TLS_CERT_FILE="\/nonexistent\/cert.pem": file does not exist/],
      [{ NATS_TLS_CERT_FILE: __filename }, /NATS_TLS_KEY_FILE.*required/],
      [{ NATS_TLS_KEY_FILE: __filename }, /NATS_TLS_CERT_FILE.*required/],
    ])('stops on %j and names the variable', (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  });
});
