import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// npm start, the Docker image and the harness that starts services for the tests and the bench run
// Node with one young-generation size: the footprint the bench measures is the one users get.
const root = resolve(__dirname, '../../..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');
const semiSpace = (text: string) => [...text.matchAll(/--max-semi-space-size=(\d+)/g)].map((m) => Number(m[1]));

describe('the shipped Node flags', () => {
  it('give npm start, the image and the test and bench harness the same small young generation', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const sizes = [semiSpace(pkg.scripts.start), semiSpace(read('deploy/Dockerfile')), semiSpace(read('libs/testing/src/processes.ts'))];
    expect(sizes).toEqual([[16], [16], [16]]);
  });

  it("give npm start, the image and the harness glibc's fixed mmap threshold (README, Memory)", () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const threshold = (text: string) => [...text.matchAll(/MALLOC_MMAP_THRESHOLD_[=:] ?'?(\d+)/g)].map((m) => Number(m[1]));
    expect([threshold(pkg.scripts.start), threshold(read('deploy/Dockerfile')), threshold(read('libs/testing/src/processes.ts'))]).toEqual([[131072], [131072], [131072]]);
  });

  it('make every service entrypoint (npm start, the image, the harness) but a decisions replica grow the old generation by a fifth', () => {
    // scripts/heap-growth.js sets it in the process: Node refuses the flag in NODE_OPTIONS.
    expect(read('scripts/heap-growth.js')).toMatch(/setFlagsFromString\('--heap-growing-percent=20'\)/);
    expect(read('scripts/start.js')).toMatch(/^require\('\.\/heap-growth'\);$/m);
    expect(read('scripts/service.js')).toMatch(/^if \(name !== 'decisions'\) require\('\.\/heap-growth'\);$/m);
    expect(read('deploy/Dockerfile')).toMatch(/ENTRYPOINT \["node", "scripts\/service\.js"\]/);
    expect(read('libs/testing/src/processes.ts')).toMatch(/scripts\/(service|start)\.js/);
  });
});
