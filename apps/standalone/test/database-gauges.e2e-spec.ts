import { registry } from '@lapi/common';
import { newAlert, newDecision } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

describe('upstream\'s database gauges (cs_active_decisions, cs_alerts)', () => {
  let lapi: TestLapi;

  beforeAll(async () => {
    lapi = await startTestLapi();
  });
  afterAll(() => lapi.close());

  it('counts active decisions per reason, origin and action, and alerts per scenario, at each scrape', async () => {
    const token = await lapi.machineToken('agent-gauges');
    const res = await call(lapi, 'POST', '/v1/alerts', {
      token,
      body: [
        newAlert({ sourceValue: '192.0.2.1', scenario: 'crowdsecurity/ssh-bf', decisions: [newDecision({ value: '192.0.2.1', scenario: 'crowdsecurity/ssh-bf', origin: 'crowdsec' })] }),
        newAlert({ sourceValue: '192.0.2.2', scenario: 'crowdsecurity/ssh-bf', decisions: [newDecision({ value: '192.0.2.2', scenario: 'crowdsecurity/ssh-bf', origin: 'crowdsec' })] }),
        newAlert({ sourceValue: '192.0.2.3', scenario: 'crowdsecurity/http-probing', decisions: [newDecision({ value: '192.0.2.3', scenario: 'crowdsecurity/http-probing', origin: 'crowdsec', type: 'captcha' })] }),
      ],
    });
    expect(res.status).toBe(201);
    let text = await registry.metrics();
    expect(text).toContain('cs_active_decisions{reason="crowdsecurity/ssh-bf",origin="crowdsec",action="ban"} 2');
    expect(text).toContain('cs_active_decisions{reason="crowdsecurity/http-probing",origin="crowdsec",action="captcha"} 1');
    expect(text).toContain('cs_alerts{reason="crowdsecurity/ssh-bf"} 2');

    expect((await call(lapi, 'DELETE', '/v1/decisions?ip=192.0.2.3', { token })).status).toBe(200);
    text = await registry.metrics();
    expect(text).not.toContain('cs_active_decisions{reason="crowdsecurity/http-probing"');
    expect(text).toContain('cs_alerts{reason="crowdsecurity/http-probing"} 1');
  });
});
