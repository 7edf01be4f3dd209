import { BouncersService } from '@lapi/bouncers';
import { LapiRequest, RouteDeclaration } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { ClientCertificate, ClientCertificates } from './client-certificate';
import { JwtService } from './jwt.service';
import { MachineSessions } from './machine-sessions';
import { RouteGuard } from './route-guard';

const machine = { id: 1, machineId: 'agent' };
const bouncer = { id: 2, name: 'fw', lastSeq: '0' };

function guard(trustedIps = ['127.0.0.0/8', '::1'], cert?: ClientCertificate) {
  const jwt = { verify: (t: string) => (t === 'good' ? 'agent' : undefined) } as unknown as JwtService;
  const sessions = { find: async (id: string) => (id === 'agent' ? machine : undefined) } as unknown as MachineSessions;
  const bouncers = {
    identify: (key: unknown) => {
      if (key !== 'key') throw new Error('access forbidden');
      return bouncer;
    },
    identifyByCertificate: (name: string) => ({ ...bouncer, name }),
  } as unknown as BouncersService;
  const certificates = {
    identify: (_req: unknown, role: string) => {
      if (cert && cert.role !== role) throw new Error(`a ${cert.role} certificate cannot be used as a ${role}`);
      return cert;
    },
    identifyAny: () => cert,
  } as unknown as ClientCertificates;
  return new RouteGuard(jwt, sessions, bouncers, Object.assign(new AppConfig(), { trustedIps }), certificates);
}

const route = (r: Partial<RouteDeclaration>): RouteDeclaration => ({ method: 'GET', path: '/x', auth: 'machine', bodyLimit: 1024, service: 'ingest', ...r });
const request = (headers: Record<string, string>, ip = '127.0.0.1'): LapiRequest => ({ ip, headers });

describe('RouteGuard', () => {
  it('admits a bouncer synchronously, without a promise', () => {
    const req = request({ 'x-api-key': 'key' });
    expect(guard().admit(req, route({ auth: 'bouncer' }))).toBeUndefined();
    expect(req.bouncer).toBe(bouncer);
  });

  it('admits a bouncer by its client certificate as <CN>@<ip>, ahead of any key, and refuses it on a machine route', async () => {
    const cert: ClientCertificate = { cn: 'fw', ous: ['bouncer-ou'], serial: '01', role: 'bouncer' };
    const req = request({ 'x-api-key': 'wrong' });
    expect(guard(undefined, cert).admit(req, route({ auth: 'bouncer' }))).toBeUndefined();
    expect(req.bouncer).toEqual({ ...bouncer, name: 'fw@127.0.0.1' });
    await expect(async () => guard(undefined, cert).admit(request({ authorization: 'Bearer good' }), route({ auth: 'machine' }))).rejects.toThrow('cannot be used as a agent');
  });

  describe('on a route open to machines and bouncers (usage metrics, upstream\'s eitherAuth)', () => {
    const either = route({ method: 'POST', path: '/v1/usage-metrics', auth: 'machine-or-bouncer' });

    it('checks the key of a caller that sends one, and the token of a caller that sends one', async () => {
      const fw = request({ 'x-api-key': 'key' });
      expect(guard().admit(fw, either)).toBeUndefined();
      expect([fw.bouncer, fw.machine]).toEqual([bouncer, undefined]);
      const agent = request({ authorization: 'Bearer good' });
      await guard().admit(agent, either);
      expect([agent.machine, agent.bouncer]).toEqual([machine, undefined]);
    });

    it('refuses a wrong credential of either kind, and a caller with none as upstream: 403 for a bouncer, 401 for a crowdsec/ agent', async () => {
      expect(() => guard().admit(request({ 'x-api-key': 'wrong' }), either)).toThrow('access forbidden');
      await expect(async () => guard().admit(request({ authorization: 'Bearer bad' }), either)).rejects.toThrow('Token is expired or invalid');
      expect(() => guard().admit(request({ 'user-agent': 'curl/8' }), either)).toThrow('access forbidden');
      await expect(async () => guard().admit(request({ 'user-agent': 'crowdsec/v1.7.8' }), either)).rejects.toThrow('auth header is empty');
    });
  });

  describe('on a public route that declares a client certificate', () => {
    const agent: ClientCertificate = { cn: 'edge-1', ous: ['agent-ou'], serial: '02', role: 'agent' };
    const fw: ClientCertificate = { cn: 'fw', ous: ['bouncer-ou'], serial: '03', role: 'bouncer' };
    const login = route({ auth: 'public', certificate: { roles: ['agent'], required: false } });
    const renew = route({ auth: 'public', certificate: { roles: ['agent', 'bouncer'], required: true } });

    it('attaches the checked certificate for the handler', () => {
      const req = request({});
      expect(guard(undefined, agent).admit(req, login)).toBeUndefined();
      expect(req.certificate).toEqual({ cn: 'edge-1', role: 'agent' });
      const renewing = request({});
      expect(guard(undefined, fw).admit(renewing, renew)).toBeUndefined();
      expect(renewing.certificate).toEqual({ cn: 'fw', role: 'bouncer' });
    });

    it('lets a caller without one through where it is optional (a password login), and refuses it where it is required', () => {
      const req = request({});
      expect(guard().admit(req, login)).toBeUndefined();
      expect(req.certificate).toBeUndefined();
      expect(() => guard().admit(request({}), renew)).toThrow('this route needs a client certificate on the connection');
    });

    it('refuses a certificate of another role than the route declares', () => {
      expect(() => guard(undefined, fw).admit(request({}), login)).toThrow('a bouncer certificate cannot be used as a agent');
    });

    it('never looks at a certificate on a route that declares none', () => {
      const req = request({});
      expect(guard(undefined, fw).admit(req, route({ auth: 'public' }))).toBeUndefined();
      expect(req.certificate).toBeUndefined();
    });
  });

  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['::ffff:127.0.0.9', true],
    ['192.0.2.1', false],
    ['2001:db8::1', false],
  ])('on a trusted-IPs route, from %s, admits a valid machine: %s', async (ip, admitted) => {
    const admit = guard().admit(request({ authorization: 'Bearer good' }, ip), route({ from: 'LAPI_TRUSTED_IPS' }));
    if (admitted) await expect(admit).resolves.toBeUndefined();
    else await expect(admit).rejects.toThrow(`access forbidden from this IP (${ip})`);
  });

  it('tells a caller without credentials it is not authenticated before it tells it its address is not trusted', async () => {
    await expect(guard().admit(request({}, '192.0.2.1'), route({ from: 'LAPI_TRUSTED_IPS' }))).rejects.toThrow('auth header is empty');
  });
});
