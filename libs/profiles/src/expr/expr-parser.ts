import { ExprError } from './expr.errors';

/**
 * A parser for the part of upstream's expression language (expr-lang, as used in profiles.yaml)
 * that profiles use. It builds a tree that is checked and then interpreted: nothing here is
 * ever handed to `eval` or `new Function`.
 */
export type ExprNode =
  | { kind: 'literal'; value: string | number | boolean | null; at: number }
  | { kind: 'array'; items: ExprNode[]; at: number }
  | { kind: 'name'; name: string; at: number }
  | { kind: 'member'; object: ExprNode; name: string; at: number }
  | { kind: 'call'; callee: ExprNode; args: ExprNode[]; at: number }
  | { kind: 'unary'; op: '!' | '-' | '+'; operand: ExprNode; at: number }
  | { kind: 'binary'; op: BinaryOp; left: ExprNode; right: ExprNode; at: number };

export type BinaryOp =
  | '||' | '&&'
  | '==' | '!=' | '<' | '>' | '<=' | '>='
  | 'in' | 'not in' | 'matches' | 'contains' | 'startsWith' | 'endsWith'
  | '+' | '-' | '*' | '/' | '%';

type Token =
  | { t: 'num'; v: number; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'id'; v: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'end'; at: number };

/** Longest first, so `<=` is not read as `<` then `=`. */
const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '.'];
const WORD_OPERATORS: Record<string, BinaryOp> = { and: '&&', or: '||', in: 'in', matches: 'matches', contains: 'contains', startsWith: 'startsWith', endsWith: 'endsWith' };
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", '0': '\0' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[0-9]/.test(c)) {
      const m = /^(\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(src.slice(i))!;
      if (/^[A-Za-z_]/.test(src.slice(i + m[1].length))) throw new ExprError(`unexpected character after number`, at);
      out.push({ t: 'num', v: Number(m[1]), at });
      i += m[1].length;
    } else if (c === '"' || c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExprError('unterminated string', at);
        const ch = src[i++];
        if (ch === c) break;
        if (ch !== '\\') {
          v += ch;
          continue;
        }
        const esc = src[i++];
        if (esc === undefined || !(esc in ESCAPES)) throw new ExprError(`unknown escape \\${esc ?? ''} in string`, i - 2);
        v += ESCAPES[esc];
      }
      out.push({ t: 'str', v, at });
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw new ExprError('unterminated string', at);
      out.push({ t: 'str', v: src.slice(i + 1, end), at });
      i = end + 1;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0], at });
      i += m[0].length;
    } else {
      const op = OPERATORS.find((o) => src.startsWith(o, i));
      if (!op) throw new ExprError(`unexpected character ${JSON.stringify(c)}`, at);
      out.push({ t: 'op', v: op, at });
      i += op.length;
    }
  }
  out.push({ t: 'end', at: src.length });
  return out;
}

/** Binding strength of each binary operator, as expr-lang orders them. */
const PRECEDENCE: Record<BinaryOp, number> = {
  '||': 10, '&&': 15,
  '==': 20, '!=': 20, '<': 20, '>': 20, '<=': 20, '>=': 20,
  in: 20, 'not in': 20, matches: 20, contains: 20, startsWith: 20, endsWith: 20,
  '+': 30, '-': 30, '*': 60, '/': 60, '%': 60,
};

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): ExprNode {
    const node = this.binary(0);
    const next = this.peek();
    if (next.t !== 'end') throw new ExprError(`unexpected ${describe(next)}`, next.at);
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }

  private isOp(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.t === 'op' && t.v === v;
  }

  private expectOp(v: string): void {
    const t = this.peek();
    if (t.t !== 'op' || t.v !== v) throw new ExprError(`expected ${JSON.stringify(v)}, found ${describe(t)}`, t.at);
    this.pos++;
  }

  /** The binary operator at the cursor and how many tokens it spans, if any. */
  private binaryOp(): { op: BinaryOp; width: number } | undefined {
    const t = this.peek();
    if (t.t === 'op' && t.v in PRECEDENCE) return { op: t.v as BinaryOp, width: 1 };
    if (t.t !== 'id') return undefined;
    if (t.v === 'not') {
      const n = this.peek(1);
      return n.t === 'id' && n.v === 'in' ? { op: 'not in', width: 2 } : undefined;
    }
    const op = WORD_OPERATORS[t.v];
    return op ? { op, width: 1 } : undefined;
  }

  private binary(minPrecedence: number): ExprNode {
    let left = this.unary();
    for (;;) {
      const found = this.binaryOp();
      if (!found || PRECEDENCE[found.op] < minPrecedence) return left;
      const at = this.peek().at;
      this.pos += found.width;
      const right = this.binary(PRECEDENCE[found.op] + 1);
      left = { kind: 'binary', op: found.op, left, right, at };
    }
  }

  private unary(): ExprNode {
    const t = this.peek();
    if ((t.t === 'op' && (t.v === '!' || t.v === '-' || t.v === '+')) || (t.t === 'id' && t.v === 'not')) {
      this.pos++;
      const op = t.v === 'not' ? '!' : (t.v as '!' | '-' | '+');
      // `!` binds tighter than comparisons in expr-lang: `!a == b` is `(!a) == b`.
      return { kind: 'unary', op, operand: this.unary(), at: t.at };
    }
    return this.postfix(this.primary());
  }

  private postfix(node: ExprNode): ExprNode {
    for (;;) {
      if (this.isOp('.')) {
        this.pos++;
        const name = this.peek();
        if (name.t !== 'id') throw new ExprError(`expected a field or method name after ".", found ${describe(name)}`, name.at);
        this.pos++;
        node = { kind: 'member', object: node, name: name.v, at: name.at };
      } else if (this.isOp('(')) {
        const at = this.peek().at;
        this.pos++;
        node = { kind: 'call', callee: node, args: this.list(')'), at };
      } else if (this.isOp('[')) {
        throw new ExprError('indexing with [] is not supported', this.peek().at);
      } else {
        return node;
      }
    }
  }

  private list(close: string): ExprNode[] {
    const items: ExprNode[] = [];
    if (this.isOp(close)) {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.binary(0));
      if (this.isOp(',')) {
        this.pos++;
        continue;
      }
      this.expectOp(close);
      return items;
    }
  }

  private primary(): ExprNode {
    const t = this.peek();
    this.pos++;
    switch (t.t) {
      case 'num':
      case 'str':
        return { kind: 'literal', value: t.v, at: t.at };
      case 'id':
        if (t.v === 'true' || t.v === 'false') return { kind: 'literal', value: t.v === 'true', at: t.at };
        if (t.v === 'nil') return { kind: 'literal', value: null, at: t.at };
        return { kind: 'name', name: t.v, at: t.at };
      case 'op':
        if (t.v === '(') {
          const inner = this.binary(0);
          this.expectOp(')');
          return inner;
        }
        if (t.v === '[') return { kind: 'array', items: this.list(']'), at: t.at };
        throw new ExprError(`unexpected ${describe(t)}`, t.at);
      case 'end':
        throw new ExprError('unexpected end of expression', t.at);
    }
  }
}

function describe(t: Token): string {
  switch (t.t) {
    case 'end':
      return 'end of expression';
    case 'str':
      return `string ${JSON.stringify(t.v)}`;
    case 'num':
      return `number ${t.v}`;
    default:
      return JSON.stringify(t.v);
  }
}

/** Parses an expression; a syntax error throws an ExprError with its position. */
export function parseExpr(src: string): ExprNode {
  return new Parser(tokenize(src)).parse();
}
