/** A syntax error, or a name the environment does not know; `at` is the offset in the source. */
export class ExprError extends Error {
  override name = 'ExprError';
  constructor(
    readonly reason: string,
    readonly at: number,
  ) {
    super(`${reason} (at character ${at + 1})`);
  }
}

/** An expression that compiled but failed on a value (a type mismatch, a bad regexp argument). */
export class ExprRuntimeError extends Error {
  override name = 'ExprRuntimeError';
}
