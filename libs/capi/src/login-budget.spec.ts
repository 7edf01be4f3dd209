import { countsAsSharing, loginBudget, loginLimit } from './login-budget';

describe('login budget', () => {
  it('follows CAPI\'s table, two below each limit', () => {
    expect([loginLimit(false, false), loginLimit(false, true), loginLimit(true, false), loginLimit(true, true)]).toEqual([5, 10, 10, 20]);
    expect([loginBudget(false, false), loginBudget(false, true), loginBudget(true, false), loginBudget(true, true)]).toEqual([3, 8, 8, 18]);
  });

  it('counts the site as sharing only once CAPI accepted signals', () => {
    expect(countsAsSharing(true, null)).toBe(false);
    expect(countsAsSharing(false, new Date())).toBe(false);
    expect(countsAsSharing(true, new Date())).toBe(true);
  });
});
