import { declareRoute, NO_BODY } from '@lapi/common';
import { serviceFor } from './cluster-routing';

describe('serviceFor', () => {
  beforeAll(() => {
    declareRoute({ method: 'GET', path: '/v9/things/:id', auth: 'bouncer', bodyLimit: NO_BODY, service: 'ingest' });
    declareRoute({ method: 'GET', path: '/v9/things/stream', auth: 'bouncer', bodyLimit: NO_BODY, service: 'decisions' });
    declareRoute({ method: 'POST', path: '/v9/things', auth: 'public', bodyLimit: NO_BODY, service: 'registration' });
    declareRoute({ method: 'GET', path: '/v9/probe', auth: 'public', bodyLimit: NO_BODY, service: null });
  });

  it('names the service of the declared route, an exact path before a parameterised one, whatever the query', () => {
    expect(serviceFor('GET', '/v9/things/stream?startup=true')).toBe('decisions');
    expect(serviceFor('GET', '/v9/things/42')).toBe('ingest');
    expect(serviceFor('POST', '/v9/things')).toBe('registration');
  });

  it('refuses a request no service is sent: undeclared, another method, or a probe each service answers', () => {
    expect(() => serviceFor('GET', '/v9/nothing')).toThrow(/no cluster service serves GET \/v9\/nothing/);
    expect(() => serviceFor('DELETE', '/v9/things')).toThrow(/DELETE/);
    expect(() => serviceFor('GET', '/v9/things/1/2')).toThrow();
    expect(() => serviceFor('GET', '/v9/probe')).toThrow();
  });
});
