import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

// Audit of issue 11 (wip/audit11): shipped values that are public yet accepted. These fail on main
// as of b070f35; each is a gap the findings 1, 5 and 8 imply.
const root = resolve(__dirname, '../../..');
const documents = (file: string) => parseAllDocuments(readFileSync(resolve(root, file), 'utf8')).map((d) => d.toJS() as Record<string, any>);

describe('issue 11 audit: shipped placeholders other than the JWT secret', () => {
  it('the k8s edge does not believe X-Forwarded-For from the whole default pod network (finding 8 moved to the edge)', () => {
    const cm = documents('deploy/k8s/40-edge.yaml').find((d) => d?.kind === 'ConfigMap' && d.metadata.name === 'lapi-edge')!;
    const realIp = String(cm.data['real-ip.conf']);
    // Shipped: set_real_ip_from 10.244.0.0/16 (kind/flannel's pod CIDR): any pod, an agent included,
    // can name its own address to the edge, which passes it on to services that trust the edge;
    // with X-Forwarded-For: 127.0.0.1 that is DELETE /v1/alerts from a "trusted" address.
    // A usable default must be a placeholder nginx refuses (as LAPI_TRUSTED_PROXIES: SET-ME-...).
    const ranges = [...realIp.matchAll(/set_real_ip_from\s+([^;\s]+)/g)].map((m) => m[1]);
    expect(ranges.filter((r) => /^[0-9a-f:.]+\/\d+$/i.test(r))).toEqual([]);
  });
});
