import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExprValue, parseProfiles, PROFILE_ENVIRONMENT, ProfileContext, alertRecord, compileExpr, ProfilesFileError } from '.';

/** The README's table of profile expressions, row by row: [expression, what it says happens]. */
function readmeRows(): [string, string][] {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const section = readme.split('\n## Profiles\n')[1].split('\n## ')[0];
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((line) => {
      const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
      return [cells[0].replace(/^`|`$/g, ''), cells[2]];
    });
}

const context: ProfileContext = { counter: { countByValue: async (v) => (v === '192.0.2.1' ? 1 : 0) }, now: Date.now };
const alert = alertRecord({
  scenario: 'crowdsecurity/http-probing',
  remediation: true,
  events_count: 6,
  source: { scope: 'ip', value: '192.0.2.1', cn: 'DE' },
});

describe('every profile expression the README lists', () => {
  const rows = readmeRows();

  it('the README lists supported and refused expressions', () => {
    expect(rows.filter(([, r]) => r.startsWith('start-up error')).length).toBeGreaterThanOrEqual(4);
    expect(rows.filter(([, r]) => !r.startsWith('start-up error')).length).toBeGreaterThanOrEqual(10);
  });

  it.each(rows)('%s: %s', async (expression, said) => {
    const refused = /^start-up error: `(.*)`$/.exec(said);
    // As a filter in a profiles file: what an operator's file would meet at start-up.
    const file = `name: readme\nfilters:\n - ${JSON.stringify(expression)}\n`;
    if (refused) {
      expect(() => parseProfiles(file, 'profiles.yaml')).toThrow(ProfilesFileError);
      expect(() => parseProfiles(file, 'profiles.yaml')).toThrow(`profiles.yaml: profile "readme": filter 1: ${JSON.stringify(expression)}: ${refused[1]}`);
      return;
    }
    expect(parseProfiles(file, 'profiles.yaml')).toHaveLength(1);
    const want = JSON.parse(said.replace(/^`|`$/g, '')) as ExprValue;
    await expect(compileExpr(expression, PROFILE_ENVIRONMENT).run({ variables: { Alert: alert }, context })).resolves.toEqual(want);
  });
});
