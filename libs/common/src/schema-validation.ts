import { PipeTransform } from '@nestjs/common';
import Ajv, { ErrorObject, SchemaObject, ValidateFunction } from 'ajv';
import { DomainError, badRequest } from './errors';
import { checkNul } from './nul';

/**
 * One Ajv for the whole process, made on first use. removeAdditional drops fields the schema does
 * not name (as the DTO whitelist does); nothing is coerced, so "six" is not an integer.
 */
let ajv: Ajv | undefined;
const theAjv = () => (ajv ??= new Ajv({ removeAdditional: 'all', allErrors: false, strict: true, allowUnionTypes: true }));

/** Builders for the body schemas the DTO files declare (strict Ajv: only known keywords). */
export const bodySchema = {
  /** A string of at most `maxLength` characters (at least `minLength`). */
  text: (maxLength: number, minLength = 0) => ({ type: 'string', maxLength, minLength }),
  /** The schema, or null: the Go clients send null for empty optional fields. */
  optional: (schema: Record<string, unknown>) => ({ ...schema, type: [schema.type, 'null'] }),
  object: (properties: Record<string, unknown>, required: string[]) => ({ type: 'object', properties, required }),
  list: (items: unknown, maxItems: number) => ({ type: 'array', items, maxItems }),
};

function describe(error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body';
  return `${path} ${error.message ?? 'is invalid'}`;
}

/**
 * Body validation against a JSON schema compiled once, on the first body (Ajv): compiling every
 * route's schema as the modules loaded was a sixteenth of a restart. Fields the schema does not name are
 * dropped, NULs are refused except in free-text fields (replaced there), and a failure becomes a
 * DomainError (400 unless told). The only body validation: class-validator cost a third of the
 * CPU of alert pushes, and loading it (with validator and libphonenumber-js) cost every process
 * a few MB and a quarter of a second for three small bodies.
 */
export function schemaValidation<T>(
  schema: SchemaObject,
  toError: (message: string) => DomainError = badRequest,
  isFreeText: (path: string) => boolean = () => false,
): PipeTransform<unknown, T> & { transform(value: unknown): T } {
  let validate: ValidateFunction<T> | undefined;
  return {
    transform(value: unknown): T {
      validate ??= theAjv().compile<T>(schema);
      if (validate(value)) {
        checkNul(value, isFreeText, toError);
        return value;
      }
      throw toError(validate.errors?.length ? describe(validate.errors[0]) : 'invalid body');
    },
  };
}
