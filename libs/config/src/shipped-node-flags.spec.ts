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
    expect(sizes).toEqual([[4], [4], [4]]);
  });
});
