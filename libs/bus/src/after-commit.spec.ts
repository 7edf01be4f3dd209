import { publishAfterCommit } from './after-commit';

describe('publishAfterCommit', () => {
  it('resolves when the publish fails, and logs the failure as a warning naming what was lost', async () => {
    const warn = jest.fn();
    await expect(publishAfterCommit({ warn }, "machine m1's revocation", () => Promise.reject(new Error('CONNECTION_CLOSED')))).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/machine m1's revocation failed.*CONNECTION_CLOSED/));
  });

  it('logs nothing when the publish succeeds', async () => {
    const warn = jest.fn();
    const publish = jest.fn(() => Promise.resolve());
    await publishAfterCommit({ warn }, 'changes 1..2', publish);
    expect({ published: publish.mock.calls.length, warned: warn.mock.calls.length }).toEqual({ published: 1, warned: 0 });
  });
});
