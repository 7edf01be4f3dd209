import { ArgumentMetadata, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { checkNul } from './nul';
import { DomainError, badRequest } from './errors';

function describe(errors: ValidationError[], path = ''): string[] {
  return errors.flatMap((e) => {
    const here = path ? `${path}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => m.replace(e.property, here));
    return [...own, ...describe(e.children ?? [], here)];
  });
}

/**
 * Body validation for DTO classes: unknown fields are dropped, failures become a DomainError
 * (400 unless told), and NULs are refused except in free-text fields, where they are replaced.
 */
export function bodyValidation(toError: (message: string) => DomainError = badRequest, isFreeText: (path: string) => boolean = () => false): PipeTransform {
  const pipe = dtoValidation(toError);
  return {
    async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
      const dto: unknown = await pipe.transform(value, metadata);
      checkNul(dto, isFreeText, toError);
      return dto;
    },
  };
}

function dtoValidation(toError: (message: string) => DomainError): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => toError(describe(errors).slice(0, 10).join('; ') || 'invalid body'),
  });
}
