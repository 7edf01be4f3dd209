import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, badRequest } from './errors';

function describe(errors: ValidationError[], path = ''): string[] {
  return errors.flatMap((e) => {
    const here = path ? `${path}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => m.replace(e.property, here));
    return [...own, ...describe(e.children ?? [], here)];
  });
}

/** Body validation for DTO classes: unknown fields are dropped, failures become a DomainError (400 unless told). */
export function bodyValidation(toError: (message: string) => DomainError = badRequest): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => toError(describe(errors).slice(0, 10).join('; ') || 'invalid body'),
  });
}
