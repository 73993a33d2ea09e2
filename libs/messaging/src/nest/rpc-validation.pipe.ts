import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ServiceError } from '@stagecraft/contracts';

/**
 * Validates every payload on arrival against its request class. Unknown properties are
 * refused; the first problem becomes BAD_USER_INPUT naming the field (`statements[1].effect`).
 */
export function rpcValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => {
      const [field, message] = firstProblem(errors);
      return ServiceError.badInput(field, `${field}: ${message}`);
    },
  });
}

function firstProblem(errors: ValidationError[], path = ''): [string, string] {
  const error = errors[0];
  if (!error) return [path || 'input', 'is invalid'];
  const segment = /^\d+$/.test(error.property) ? `[${error.property}]` : path ? `.${error.property}` : error.property;
  const field = `${path}${segment}`;
  const constraint = Object.values(error.constraints ?? {})[0];
  if (constraint) return [field, stripPropertyName(constraint, error.property)];
  return firstProblem(error.children ?? [], field);
}

/** class-validator messages start with the property name; the field already says it. */
function stripPropertyName(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}
