import { ProfileAlert, ProfileContext, parseProfiles, ProfilesFileError, runProfiles, shippedProfiles } from '.';

const log = { debug: () => undefined, warn: jest.fn() };
const counts = new Map<string, number>();
const context: ProfileContext = { counter: { countByValue: async (v) => counts.get(v) ?? 0 }, now: Date.now };

function alert(over: Partial<ProfileAlert> = {}): ProfileAlert {
  return { scenario: 'crowdsecurity/ssh-bf', remediation: true, simulated: false, events_count: 6, source: { scope: 'Ip', value: '192.0.2.1' }, ...over };
}

const ESCALATING = `name: escalating
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
duration_expr: Sprintf('%dh', (GetDecisionsCount(Alert.GetValue()) + 1) * 4)
on_success: break
`;

const BY_SCENARIO = `name: captcha_http
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip" && Alert.GetScenario() startsWith "crowdsecurity/http-"
decisions:
 - type: captcha
   duration: 1h
notifications: [http_default]
on_success: break
---
name: ban_rest
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
on_success: break
`;

describe('profiles.yaml', () => {
  beforeEach(() => counts.clear());

  it('the shipped profiles ban an Ip or Range alert asking for remediation for 4h, and nothing else', async () => {
    const profiles = parseProfiles(shippedProfiles(), 'shipped');
    expect(profiles.map((p) => p.name)).toEqual(['default_ip_remediation', 'default_range_remediation']);
    expect((await runProfiles(profiles, alert(), context, log)).decisions).toEqual([
      { origin: 'crowdsec', type: 'ban', scope: 'Ip', value: '192.0.2.1', duration: '4h', scenario: 'crowdsecurity/ssh-bf', simulated: false },
    ]);
    expect((await runProfiles(profiles, alert({ source: { scope: 'range', value: '192.0.2.0/24' } }), context, log)).decisions[0]).toMatchObject({ scope: 'Range', duration: '4h' });
    expect((await runProfiles(profiles, alert({ remediation: false }), context, log)).decisions).toEqual([]);
    expect((await runProfiles(profiles, alert({ source: { scope: 'Country', value: 'FR' } }), context, log)).decisions).toEqual([]);
  });

  it('duration_expr escalates with the decisions already counted for the address', async () => {
    const profiles = parseProfiles(ESCALATING, 'p.yaml');
    expect((await runProfiles(profiles, alert(), context, log)).decisions[0].duration).toBe('4h');
    counts.set('192.0.2.1', 1);
    expect((await runProfiles(profiles, alert(), context, log)).decisions[0].duration).toBe('8h');
  });

  it('a duration_expr that fails falls back to the decision duration, with a warning', async () => {
    const profiles = parseProfiles(ESCALATING.replace("'%dh'", "'%dx'"), 'p.yaml');
    log.warn.mockClear();
    expect((await runProfiles(profiles, alert(), context, log)).decisions[0].duration).toBe('4h');
    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining('duration_expr gave "4x"'));
  });

  it('the first matching profile decides; on_success: continue lets later ones notify but not decide', async () => {
    const profiles = parseProfiles(BY_SCENARIO, 'p.yaml');
    const http = await runProfiles(profiles, alert({ scenario: 'crowdsecurity/http-probing' }), context, log);
    expect(http.decisions.map((d) => `${d.type} ${d.duration}`)).toEqual(['captcha 1h']);
    expect(http.notifications).toEqual([{ profile: 'captcha_http', names: ['http_default'] }]);
    expect((await runProfiles(profiles, alert(), context, log)).decisions.map((d) => d.type)).toEqual(['ban']);
    const both = parseProfiles(BY_SCENARIO.replace('on_success: break\n---', 'on_success: continue\n---').replace(/ban_rest\n/, 'ban_rest\nnotifications: [slack]\n'), 'p.yaml');
    const out = await runProfiles(both, alert({ scenario: 'crowdsecurity/http-probing' }), context, log);
    expect(out.decisions.map((d) => d.type)).toEqual(['captcha']);
    expect(out.notifications.map((n) => n.profile)).toEqual(['captcha_http', 'ban_rest']);
  });

  it('on_failure: break stops at a profile that does not match', async () => {
    const profiles = parseProfiles(BY_SCENARIO.replace('on_success: break\n---', 'on_success: break\non_failure: break\n---'), 'p.yaml');
    expect((await runProfiles(profiles, alert(), context, log)).decisions).toEqual([]);
  });

  it('an alert with its own decisions keeps them and only collects notifications', async () => {
    const profiles = parseProfiles(BY_SCENARIO, 'p.yaml');
    const out = await runProfiles(profiles, { ...alert({ scenario: 'crowdsecurity/http-x' }), decisions: [{}] }, context, log);
    expect(out).toEqual({ decisions: [], notifications: [{ profile: 'captcha_http', names: ['http_default'] }] });
  });

  it('a decision scope, origin and simulated from the profile are kept', async () => {
    const profiles = parseProfiles(`name: p\nfilters: ["true"]\ndecisions:\n - {type: ban, scope: Range, origin: custom, simulated: true, duration: 2h}\n`, 'p.yaml');
    expect((await runProfiles(profiles, alert(), context, log)).decisions[0]).toMatchObject({ scope: 'Range', origin: 'crowdsec/custom', simulated: true, duration: '2h' });
  });

  it('an expression error follows on_error (apply, break) and otherwise skips the profile', async () => {
    const failing = (onError: string) => parseProfiles(`name: p\n${onError}filters: ["Alert.GetValue() matches Alert.GetScenario()"]\ndecisions: [{type: captcha}]\n---\nname: q\nfilters: ["true"]\ndecisions: [{type: ban}]\n`, 'p.yaml');
    const bad = alert({ scenario: '(' });
    expect((await runProfiles(failing(''), bad, context, log)).decisions.map((d) => d.type)).toEqual(['ban']);
    expect((await runProfiles(failing('on_error: apply\n'), bad, context, log)).decisions.map((d) => d.type)).toEqual(['captcha']);
    expect((await runProfiles(failing('on_error: break\n'), bad, context, log)).decisions).toEqual([]);
  });

  it.each([
    ['filters: ["Alert.GetScope() =="]', 'p.yaml: profile "bad": filter 1: "Alert.GetScope() ==": unexpected end of expression'],
    ['filters: ["CrowdsecCTI(Alert.GetValue()).GetBackgroundNoiseScore() > 6"]', 'p.yaml: profile "bad": filter 1: "CrowdsecCTI(Alert.GetValue()).GetBackgroundNoiseScore() > 6": unknown function CrowdsecCTI'],
    ['filters: ["true"]\nduration_expr: "Sprintf(\'%dh\', Nope())"', 'p.yaml: profile "bad": duration_expr: "Sprintf(\'%dh\', Nope())": unknown function Nope'],
    ['filters: ["true"]\ndecisions: [{type: ban, duration: 4 hours}]', 'p.yaml: profile "bad": decision 1: duration "4 hours" is not a positive duration such as 4h'],
    ['filters: ["true"]\ndecisions: [{duration: 4h}]', 'p.yaml: profile "bad": decision 1: type is required'],
    ['filters: ["true"]\non_success: stop', 'p.yaml: profile "bad": on_success: "stop" is not one of break, continue'],
    ['filter: ["true"]', 'p.yaml: profile "bad": unknown key "filter"'],
    ['filters: ["true"]\nnotifications: [slack_default]', 'p.yaml: profile "bad": notification "slack_default" has no config (known: http_default)'],
  ])('refuses %s: %s', (body, message) => {
    expect(() => parseProfiles(`name: bad\n${body}\n`, 'p.yaml', { notifications: new Set(['http_default']) })).toThrow(ProfilesFileError);
    expect(() => parseProfiles(`name: bad\n${body}\n`, 'p.yaml', { notifications: new Set(['http_default']) })).toThrow(message);
  });

  it('refuses an empty file and a YAML error', () => {
    expect(() => parseProfiles('', 'p.yaml')).toThrow('p.yaml: no profile in the file');
    expect(() => parseProfiles('name: [', 'p.yaml')).toThrow(/^p\.yaml: document 1: /);
  });
});
