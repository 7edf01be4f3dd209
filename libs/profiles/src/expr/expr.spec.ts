import { compileExpr, ExprEnvironment, ExprError, ExprRuntimeError, ObjectShape } from '.';
import { goSprintf } from './go-sprintf';

const THING: ObjectShape = {
  name: 'Thing',
  fields: { N: 'number', S: 'string', B: 'bool', L: 'array' },
  methods: { Twice: { params: ['number'], returns: 'number', call: (_self, [n]) => (n as number) * 2 } },
};
const env: ExprEnvironment = {
  variables: { T: THING },
  functions: {
    Count: { params: ['string'], returns: 'number', call: async ([s], ctx) => (ctx as Record<string, number>)[s as string] ?? 0 },
    Sprintf: { params: ['string', 'unknown'], variadic: true, returns: 'string', call: ([f, ...a]) => goSprintf(f as string, a) },
  },
};
const scope = { variables: { T: { N: 3, S: 'crowdsecurity/http-probing', B: true, L: ['a', 'b'] } }, context: { x: 2 } };
const run = (src: string) => compileExpr(src, env).run(scope);
const compileError = (src: string) => {
  try {
    compileExpr(src, env);
  } catch (e) {
    if (e instanceof ExprError) return e.reason;
    throw e;
  }
  throw new Error(`${src} compiled`);
};

describe('the profile expression language', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['7 % 4', 3],
    ['-T.N + 1', -2],
    ['T.N == 3 && T.B', true],
    ['T.N == 3 and not T.B', false],
    ['false || T.B', true],
    ['false or false', false],
    ['!T.B', false],
    ['!false == true', true],
    ['T.N != 4', true],
    ['T.N >= 3 && T.N < 4 && T.N <= 3 && T.N > 2', true],
    ['"b" in T.L', true],
    ['"c" not in T.L', true],
    ['T.S in ["x", "crowdsecurity/http-probing"]', true],
    ['T.S startsWith "crowdsecurity/http-"', true],
    ['T.S endsWith "probing"', true],
    ['T.S contains "http"', true],
    ['T.S matches "^crowdsecurity/(http|ssh)-"', true],
    ['T.S matches "(?i)^CROWDSECURITY/"', true],
    ["T.S matches '^ssh'", false],
    ['T.Twice(T.N)', 6],
    ['Count("x") + 1', 3],
    ["Sprintf('%dh', (Count('x') + 1) * 4)", '12h'],
    ['Sprintf("%s/%d%%", "a", 5)', 'a/5%'],
    ['"a" + "b" == "ab"', true],
    ['T.S == nil', false],
    ['`raw\\n` == "raw\\\\n"', true],
    ['1.5 * 2', 3],
  ])('%s is %p', async (src, want) => {
    await expect(run(src)).resolves.toEqual(want);
  });

  it('stops at the first operand that decides && and || (the right side is never run)', async () => {
    let calls = 0;
    const counting: ExprEnvironment = { ...env, functions: { ...env.functions, Count: { params: ['string'], returns: 'number', call: () => ++calls } } };
    await expect(compileExpr('false && Count("x") > 0', counting).run(scope)).resolves.toBe(false);
    await expect(compileExpr('true || Count("x") > 0', counting).run(scope)).resolves.toBe(true);
    expect(calls).toBe(0);
  });

  it.each([
    ['T.N ==', 'unexpected end of expression'],
    ['T.N = 3', 'unexpected character "="'],
    ['(T.N', 'expected ")", found end of expression'],
    ['"open', 'unterminated string'],
    ['T.L[0]', 'indexing with [] is not supported'],
    ['Unknown(1)', 'unknown function Unknown'],
    ['Other.N', 'unknown name Other'],
    ['T.Missing', 'Thing has no field Missing'],
    ['T.Nope()', 'Thing has no method Nope'],
    ['T.Twice', 'Thing.Twice is a method: call it with ()'],
    ['Count', 'Count is a function: call it with ()'],
    ['Count()', 'Count takes 1 argument, got 0'],
    ['Count(1)', 'argument 1 of Count must be a string, not a number'],
    ['T.S == 3', 'invalid operation: == (mismatched types string and number)'],
    ['T.N && true', 'invalid operation: && (mismatched types number and bool)'],
    ['T.S matches "("', 'invalid regular expression "("'],
    ['T.N.X', 'cannot read field X of a number'],
    ['Sprintf()', 'Sprintf takes at least 1 argument, got 0'],
    ['T.S startsWith 1', 'invalid operation: startsWith (mismatched types string and number)'],
  ])('refuses %s before running: %s', (src, reason) => {
    expect(compileError(src)).toContain(reason);
  });

  it('reports where the error is', () => {
    expect(() => compileExpr('T.N == 3 && Nope()', env)).toThrow('unknown function Nope (at character 13)');
  });

  it.each([
    ["Sprintf('%dh', T.N / 2)", 'Sprintf: %d needs a whole number, got 1.5'],
    ["Sprintf('%d')", 'Sprintf: %d has no argument'],
    ["Sprintf('%y', 1)", 'Sprintf: the verb %y is not supported'],
    ['7 % 0', 'integer divide by zero'],
  ])('fails %s at run time, with a reason (%s)', async (src, reason) => {
    await expect(run(src)).rejects.toThrow(ExprRuntimeError);
    await expect(run(src)).rejects.toThrow(reason);
  });

  it('never reaches JavaScript: property names of objects are not fields', () => {
    expect(compileError('T.constructor')).toBe('Thing has no field constructor');
    expect(compileError('T.__proto__')).toBe('Thing has no field __proto__');
    expect(compileError('T.toString()')).toBe('Thing has no method toString');
  });
});
