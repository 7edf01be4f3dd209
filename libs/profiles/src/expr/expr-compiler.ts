import { ExprError, ExprRuntimeError } from './expr.errors';
import { BinaryOp, ExprNode, parseExpr } from './expr-parser';

/** What an expression computes with: no functions, objects or host values other than these. */
export type ExprValue = string | number | boolean | null | ExprValue[] | ExprRecord;
export interface ExprRecord {
  readonly [field: string]: ExprValue | undefined;
}

/** Static types, as far as they are known: a mismatch found before running is a start-up error. */
export type ExprType = 'string' | 'number' | 'bool' | 'nil' | 'array' | 'unknown' | ObjectShape;

/** An object the environment exposes (the Alert, its Source): only these fields and methods exist. */
export interface ObjectShape {
  name: string;
  fields: Record<string, ExprType>;
  methods: Record<string, MethodSpec>;
}

export interface MethodSpec {
  params: ExprType[];
  returns: ExprType;
  call(self: ExprRecord, args: ExprValue[]): ExprValue;
}

export interface FunctionSpec {
  /** Parameter types; with `variadic`, the last one repeats. */
  params: ExprType[];
  variadic?: boolean;
  returns: ExprType;
  /** `context` is the scope's: what the host gives this evaluation (a database, a clock). */
  call(args: ExprValue[], context: unknown): ExprValue | Promise<ExprValue>;
}

export interface ExprEnvironment {
  variables: Record<string, ObjectShape>;
  functions: Record<string, FunctionSpec>;
}

export interface ExprScope {
  variables: Record<string, ExprRecord>;
  context?: unknown;
}

export interface CompiledExpr {
  source: string;
  type: ExprType;
  run(scope: ExprScope): Promise<ExprValue>;
}

interface Compiled {
  type: ExprType;
  run(scope: ExprScope): Promise<ExprValue>;
}

/** Parses and checks an expression against an environment; throws ExprError on anything unknown. */
export function compileExpr(source: string, env: ExprEnvironment): CompiledExpr {
  const compiled = compileNode(parseExpr(source), env);
  return { source, type: compiled.type, run: compiled.run };
}

function compileNode(node: ExprNode, env: ExprEnvironment): Compiled {
  switch (node.kind) {
    case 'literal': {
      const value = node.value;
      return { type: typeOfValue(value), run: async () => value };
    }
    case 'array': {
      const items = node.items.map((i) => compileNode(i, env));
      return { type: 'array', run: async (s) => Promise.all(items.map((i) => i.run(s))) };
    }
    case 'name': {
      const shape = own(env.variables, node.name);
      if (!shape) throw new ExprError(own(env.functions, node.name) ? `${node.name} is a function: call it with ()` : `unknown name ${node.name}`, node.at);
      const name = node.name;
      return { type: shape, run: async (s) => s.variables[name] ?? null };
    }
    case 'member':
      return compileMember(node, env);
    case 'call':
      return compileCall(node, env);
    case 'unary':
      return compileUnary(node, env);
    case 'binary':
      return compileBinary(node, env);
  }
}

function compileMember(node: Extract<ExprNode, { kind: 'member' }>, env: ExprEnvironment): Compiled {
  const object = compileNode(node.object, env);
  const shape = asShape(object.type);
  if (!shape) throw new ExprError(`cannot read field ${node.name} of a ${typeName(object.type)}`, node.at);
  if (own(shape.methods, node.name)) throw new ExprError(`${shape.name}.${node.name} is a method: call it with ()`, node.at);
  const type = own(shape.fields, node.name);
  if (type === undefined) throw new ExprError(`${shape.name} has no field ${node.name}`, node.at);
  const name = node.name;
  return {
    type,
    run: async (s) => {
      const value = (await object.run(s)) as ExprRecord | null;
      if (value === null || typeof value !== 'object') throw new ExprRuntimeError(`cannot read field ${name} of nil`);
      return own(value, name) ?? null;
    },
  };
}

function compileCall(node: Extract<ExprNode, { kind: 'call' }>, env: ExprEnvironment): Compiled {
  const callee = node.callee;
  // The callee first: an unknown function is the error to report, not something in its arguments.
  if (callee.kind === 'name' && !own(env.functions, callee.name)) throw new ExprError(`unknown function ${callee.name}`, callee.at);
  const args = node.args.map((a) => compileNode(a, env));
  if (callee.kind === 'name') {
    const fn = own(env.functions, callee.name)!;
    checkArgs(callee.name, fn.params, fn.variadic ?? false, args, node.at);
    return { type: fn.returns, run: async (s) => fn.call(await Promise.all(args.map((a) => a.run(s))), s.context) };
  }
  if (callee.kind !== 'member') throw new ExprError('only functions and methods can be called', node.at);
  const object = compileNode(callee.object, env);
  const shape = asShape(object.type);
  if (!shape) throw new ExprError(`cannot call method ${callee.name} of a ${typeName(object.type)}`, callee.at);
  const method = own(shape.methods, callee.name);
  if (!method) throw new ExprError(`${shape.name} has no method ${callee.name}`, callee.at);
  checkArgs(`${shape.name}.${callee.name}`, method.params, false, args, node.at);
  return {
    type: method.returns,
    run: async (s) => {
      const self = (await object.run(s)) as ExprRecord | null;
      if (self === null || typeof self !== 'object') throw new ExprRuntimeError(`cannot call ${callee.name} on nil`);
      return method.call(self, await Promise.all(args.map((a) => a.run(s))));
    },
  };
}

function checkArgs(name: string, params: ExprType[], variadic: boolean, args: Compiled[], at: number): void {
  const fixed = variadic ? params.length - 1 : params.length;
  if (args.length < fixed || (!variadic && args.length > fixed)) {
    throw new ExprError(`${name} takes ${variadic ? `at least ${fixed}` : fixed} argument${fixed === 1 ? '' : 's'}, got ${args.length}`, at);
  }
  args.forEach((a, i) => {
    const want = params[Math.min(i, params.length - 1)];
    if (!assignable(a.type, want)) throw new ExprError(`argument ${i + 1} of ${name} must be a ${typeName(want)}, not a ${typeName(a.type)}`, at);
  });
}

function compileUnary(node: Extract<ExprNode, { kind: 'unary' }>, env: ExprEnvironment): Compiled {
  const operand = compileNode(node.operand, env);
  const want: ExprType = node.op === '!' ? 'bool' : 'number';
  if (!assignable(operand.type, want)) throw new ExprError(`invalid operation: ${node.op} on a ${typeName(operand.type)}`, node.at);
  const op = node.op;
  return {
    type: want,
    run: async (s) => {
      const v = await operand.run(s);
      if (op === '!') return !expectBool(v, '!');
      return op === '-' ? -expectNumber(v, '-') : expectNumber(v, '+');
    },
  };
}

const COMPARISONS = new Set<BinaryOp>(['<', '>', '<=', '>=']);
const ARITHMETIC = new Set<BinaryOp>(['-', '*', '/', '%']);
const STRING_TESTS = new Set<BinaryOp>(['contains', 'startsWith', 'endsWith', 'matches']);

function compileBinary(node: Extract<ExprNode, { kind: 'binary' }>, env: ExprEnvironment): Compiled {
  const left = compileNode(node.left, env);
  const right = compileNode(node.right, env);
  const op = node.op;
  const mismatch = () => new ExprError(`invalid operation: ${op} (mismatched types ${typeName(left.type)} and ${typeName(right.type)})`, node.at);
  if (op === '&&' || op === '||') {
    if (!assignable(left.type, 'bool') || !assignable(right.type, 'bool')) throw mismatch();
    return {
      type: 'bool',
      run: async (s) => {
        const l = expectBool(await left.run(s), op);
        if (op === '&&' ? !l : l) return l;
        return expectBool(await right.run(s), op);
      },
    };
  }
  if (op === '==' || op === '!=') {
    if (!comparable(left.type, right.type)) throw mismatch();
    return { type: 'bool', run: async (s) => equal(await left.run(s), await right.run(s)) === (op === '==') };
  }
  if (op === 'in' || op === 'not in') {
    if (!assignable(right.type, 'array')) throw mismatch();
    return {
      type: 'bool',
      run: async (s) => {
        const needle = await left.run(s);
        const hay = await right.run(s);
        if (!Array.isArray(hay)) throw new ExprRuntimeError(`invalid operation: ${op} needs a list on its right`);
        return hay.some((v) => equal(needle, v)) === (op === 'in');
      },
    };
  }
  if (STRING_TESTS.has(op)) {
    if (!assignable(left.type, 'string') || !assignable(right.type, 'string')) throw mismatch();
    if (op === 'matches') return compileMatches(node, left, right);
    return {
      type: 'bool',
      run: async (s) => {
        const l = expectString(await left.run(s), op);
        const r = expectString(await right.run(s), op);
        return op === 'contains' ? l.includes(r) : op === 'startsWith' ? l.startsWith(r) : l.endsWith(r);
      },
    };
  }
  if (COMPARISONS.has(op)) {
    const bothNumbers = assignable(left.type, 'number') && assignable(right.type, 'number');
    const bothStrings = assignable(left.type, 'string') && assignable(right.type, 'string');
    if (!bothNumbers && !bothStrings) throw mismatch();
    return { type: 'bool', run: async (s) => compare(op, await left.run(s), await right.run(s)) };
  }
  if (op === '+') {
    const type: ExprType = left.type === 'string' || right.type === 'string' ? 'string' : left.type === 'number' || right.type === 'number' ? 'number' : 'unknown';
    if (!assignable(left.type, type) || !assignable(right.type, type) || (type !== 'unknown' && type !== 'string' && type !== 'number')) throw mismatch();
    return {
      type,
      run: async (s) => {
        const l = await left.run(s);
        const r = await right.run(s);
        if (typeof l === 'number' && typeof r === 'number') return l + r;
        if (typeof l === 'string' && typeof r === 'string') return l + r;
        throw new ExprRuntimeError(`invalid operation: + (mismatched types ${typeName(typeOfValue(l))} and ${typeName(typeOfValue(r))})`);
      },
    };
  }
  if (ARITHMETIC.has(op)) {
    if (!assignable(left.type, 'number') || !assignable(right.type, 'number')) throw mismatch();
    return { type: 'number', run: async (s) => arithmetic(op, expectNumber(await left.run(s), op), expectNumber(await right.run(s), op)) };
  }
  throw new ExprError(`unsupported operator ${op}`, node.at);
}

/** A constant pattern is compiled once, so a bad one stops start-up rather than every alert. */
function compileMatches(node: ExprNode, left: Compiled, right: Compiled): Compiled {
  const constant = node.kind === 'binary' && node.right.kind === 'literal' && typeof node.right.value === 'string' ? node.right.value : undefined;
  let fixed: RegExp | undefined;
  if (constant !== undefined) {
    try {
      fixed = goRegExp(constant);
    } catch (e) {
      throw new ExprError(`invalid regular expression ${JSON.stringify(constant)}: ${(e as Error).message}`, node.at);
    }
  }
  return {
    type: 'bool',
    run: async (s) => {
      const l = expectString(await left.run(s), 'matches');
      if (fixed) return fixed.test(l);
      const pattern = expectString(await right.run(s), 'matches');
      try {
        return goRegExp(pattern).test(l);
      } catch (e) {
        throw new ExprRuntimeError(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
      }
    },
  };
}

/** Go's regexp flags come inline (`(?i)...`); JavaScript takes them apart. */
function goRegExp(pattern: string): RegExp {
  const flags = /^\(\?([imsU]+)\)/.exec(pattern);
  if (!flags) return new RegExp(pattern, 'u');
  if (flags[1].includes('U')) throw new Error('the U flag is not supported');
  return new RegExp(pattern.slice(flags[0].length), `u${flags[1]}`);
}

function arithmetic(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    default:
      if (!Number.isInteger(l) || !Number.isInteger(r)) throw new ExprRuntimeError('invalid operation: % needs whole numbers');
      if (r === 0) throw new ExprRuntimeError('integer divide by zero');
      return l % r;
  }
}

function compare(op: BinaryOp, l: ExprValue, r: ExprValue): boolean {
  const ok = (typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string');
  if (!ok) throw new ExprRuntimeError(`invalid operation: ${op} (mismatched types ${typeName(typeOfValue(l))} and ${typeName(typeOfValue(r))})`);
  const a = l as number | string;
  const b = r as number | string;
  return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
}

function equal(a: ExprValue, b: ExprValue): boolean {
  if (Array.isArray(a) || Array.isArray(b) || (typeof a === 'object' && a !== null) || (typeof b === 'object' && b !== null)) return false;
  return a === b;
}

function expectBool(v: ExprValue, op: string): boolean {
  if (typeof v !== 'boolean') throw new ExprRuntimeError(`invalid operation: ${op} on a ${typeName(typeOfValue(v))}, expected a bool`);
  return v;
}

function expectNumber(v: ExprValue, op: string): number {
  if (typeof v !== 'number') throw new ExprRuntimeError(`invalid operation: ${op} on a ${typeName(typeOfValue(v))}, expected a number`);
  return v;
}

function expectString(v: ExprValue, op: string): string {
  if (typeof v !== 'string') throw new ExprRuntimeError(`invalid operation: ${op} on a ${typeName(typeOfValue(v))}, expected a string`);
  return v;
}

function typeOfValue(v: ExprValue): ExprType {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'unknown';
  }
}

/** Own keys only: a name like `constructor` or `__proto__` must not reach JavaScript's prototypes. */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function asShape(t: ExprType): ObjectShape | undefined {
  return typeof t === 'object' ? t : undefined;
}

function assignable(have: ExprType, want: ExprType): boolean {
  return have === 'unknown' || want === 'unknown' || have === want;
}

/** expr-lang compares any value with nil, and values of one type with each other. */
function comparable(a: ExprType, b: ExprType): boolean {
  return a === 'nil' || b === 'nil' || assignable(a, b);
}

export function typeName(t: ExprType): string {
  return typeof t === 'object' ? t.name : t;
}
