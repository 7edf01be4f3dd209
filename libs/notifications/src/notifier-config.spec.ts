import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffMs } from './notification-sender';
import { loadNotifiers, NotifierConfigError, parseFormat, parseNotifier, renderAlerts } from './notifier-config';

/** Upstream's shipped http.yaml (cmd/notification-http/http.yaml), with a URL filled in. */
const SHIPPED_HTTP_YAML = `type: http          # Don't change
name: http_default  # Must match the registered plugin in the profile

# One of "trace", "debug", "info", "warn", "error", "off"
log_level: info

format: |
  {{.|toJson}}

url: http://127.0.0.1:9/hook

method: POST

---

# type: http
# name: http_second_notification
`;

describe('notification configs', () => {
  it("reads upstream's shipped http.yaml: POST, 5s timeout, one alert per request, the alerts as JSON plus the template's newline", () => {
    const dir = mkdtempSync(join(tmpdir(), 'lapi-notif-'));
    writeFileSync(join(dir, 'http.yaml'), SHIPPED_HTTP_YAML);
    writeFileSync(join(dir, 'slack.yaml'), 'type: slack\nname: slack_default\nwebhook: x\n');
    const { notifiers, otherTypes } = loadNotifiers(dir);
    expect(otherTypes).toEqual(['slack_default (type slack)']);
    expect(notifiers).toEqual([expect.objectContaining({ name: 'http_default', url: 'http://127.0.0.1:9/hook', method: 'POST', timeoutMs: 5000, groupThreshold: 1, groupWaitMs: 0, maxRetry: 5 })]);
    expect(renderAlerts(notifiers[0].format, [{ id: 1 }])).toBe('[{"id":1}]\n');
  });

  it.each(['{{.|toJson}}', '{{ . | toJson }}', '  {{.|toJson}}\n'])('accepts %j', (f) => {
    expect(() => parseFormat(f, 'x')).not.toThrow();
  });

  it.each([
    '{{range .}}{{.Scenario}}{{end}}',
    '{"text": {{.|toJson}}}',
    '{{.|toJson|b64enc}}',
    'plain text',
  ])('refuses any other template at start-up, whole: %j', (f) => {
    expect(() => parseFormat(f, 'http.yaml: notification "h"')).toThrow(`http.yaml: notification "h": format ${JSON.stringify(f.trim())} is not supported: only upstream's shipped template {{.|toJson}}`);
  });

  it.each([
    [{ type: 'http', name: 'h' }, 'url "" is not a URL'],
    [{ type: 'http', name: 'h', url: 'ftp://x/' }, 'url must be http:// or https://'],
    [{ type: 'http', name: 'h', url: 'http://x/', timeout: 'soon' }, 'timeout: "soon" is not a duration'],
    [{ type: 'http', name: 'h', url: 'http://x/', group_threshold: -1 }, 'group_threshold must be a whole number'],
    [{ type: 'http', name: 'h', url: 'http://x/', headers: { a: 1 } }, 'headers must map names to strings'],
    [{ type: 'http', name: 'h', url: 'http://x/', retries: 3 }, 'unknown key "retries"'],
    [{ type: 'http', url: 'http://x/' }, 'name is required'],
  ])('refuses %j: %s', (raw, message) => {
    expect(() => parseNotifier(raw, 'f.yaml: document 1')).toThrow(NotifierConfigError);
    expect(() => parseNotifier(raw, 'f.yaml: document 1')).toThrow(message);
  });

  it('reads timeout, group_wait, group_threshold, max_retry and headers', () => {
    const n = parseNotifier({ type: 'http', name: 'h', url: 'https://hooks.example/x', method: 'put', timeout: '2s', group_wait: '30s', group_threshold: 10, max_retry: 2, headers: { Authorization: 'token x' } }, 'f');
    expect(n).toMatchObject({ method: 'PUT', timeoutMs: 2000, groupWaitMs: 30_000, groupThreshold: 10, maxRetry: 2, headers: { Authorization: 'token x' } });
  });

  it('backs off 1s, 2s, 4s, ... up to 5 minutes', () => {
    expect([1, 2, 3, 4, 20].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 300_000]);
  });
});
