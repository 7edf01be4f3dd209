import { PipeTransform } from '@nestjs/common';
import Ajv, { ErrorObject, SchemaObject } from 'ajv';
import { DomainError, badRequest } from './errors';
import { checkNul } from './nul';

/**
 * One Ajv for the whole process. removeAdditional drops fields the schema does not name (as the
 * DTO whitelist does); nothing is coerced, so "six" is not an integer.
 */
const ajv = new Ajv({ removeAdditional: 'all', allErrors: false, strict: true, allowUnionTypes: true });

function describe(error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body';
  return `${path} ${error.message ?? 'is invalid'}`;
}

/**
 * Body validation against a JSON schema compiled once (Ajv): for the hot write path (agents'
 * alert pushes), where class-validator's per-object reflection cost a third of the CPU.
 * Failures become a DomainError (400 unless told).
 */
export function schemaValidation<T>(
  schema: SchemaObject,
  toError: (message: string) => DomainError = badRequest,
  isFreeText: (path: string) => boolean = () => false,
): PipeTransform<unknown, T> {
  const validate = ajv.compile<T>(schema);
  return {
    transform(value: unknown): T {
      if (validate(value)) {
        checkNul(value, isFreeText, toError);
        return value;
      }
      throw toError(validate.errors?.length ? describe(validate.errors[0]) : 'invalid body');
    },
  };
}
