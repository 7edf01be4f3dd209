import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderKustomization } from '@lapi/testing';

// The shipped edges believe no client-supplied address: the services believe the edge's
// X-Forwarded-For, so a range the edge trusted could name any client to them (a "trusted"
// 127.0.0.1 may delete alerts).

const root = resolve(__dirname, '../../..');
type Yaml = Record<string, any>;
/** The arguments of every `set_real_ip_from` an nginx config applies (comments left out). */
const realIpFrom = (conf: string) => [...conf.replace(/#.*$/gm, '').matchAll(/\bset_real_ip_from\s+([^;]+);/g)].map((m) => m[1].trim());

describe('the shipped edges', () => {
  it.each(['deploy/k8s/overlays/dev', 'deploy/k8s/overlays/prod'])('the k8s edge of %s believes X-Forwarded-For from no range by default, the pod network included', (dir) => {
    const edge = (renderKustomization(dir) as Yaml[]).find((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('lapi-edge-') && !d.metadata.name.startsWith('lapi-edge-tls'))!;
    // The key stays, as the place to set a range of the operator's own.
    expect(Object.keys(edge.data)).toContain('real-ip.conf');
    for (const [key, conf] of Object.entries(edge.data as Record<string, string>)) {
      expect({ key, trusted: realIpFrom(conf) }).toEqual({ key, trusted: [] });
    }
  });

  it('the compose edge believes X-Forwarded-For from no range either', () => {
    expect(realIpFrom(readFileSync(resolve(root, 'deploy/nginx/lapi.conf'), 'utf8'))).toEqual([]);
  });
});
