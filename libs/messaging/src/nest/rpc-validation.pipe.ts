import { type ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ServiceError } from '@stagecraft/contracts';

/**
 * Fields whose text is multi-line by nature (a Dockerfile, a kubeconfig's YAML): tab, line feed
 * and carriage return are allowed there. Every other string, descriptions included (one line of
 * at most 64 characters), holds no C0 control character at all.
 */
export const MULTILINE_FIELDS: ReadonlySet<string> = new Set(['dockerfile', 'kubeconfig']);

/** C0 controls and DEL; NUL among them, which Postgres cannot store in text. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Validates every payload on arrival against its request class. Unknown properties are
 * refused; the first problem becomes BAD_USER_INPUT naming the field (`statements[1].effect`).
 * Before that, any string (or object key) holding a control character is refused the same way.
 */
export function rpcValidationPipe(): ValidationPipe {
  return new RpcValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => {
      const [field, message] = firstProblem(errors);
      return ServiceError.badInput(field, `${field}: ${message}`);
    },
  });
}

class RpcValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Custom parameters (the caller from the token) are no user input.
    if (metadata.type !== 'custom') {
      const problem = controlCharacterProblem(value);
      if (problem) throw ServiceError.badInput(problem.field, `${problem.field}: ${problem.message}`);
    }
    return super.transform(value, metadata);
  }
}

/** The first string or key in a payload that holds a control character, with its field path. */
export function controlCharacterProblem(value: unknown, path = ''): { field: string; message: string } | null {
  if (typeof value === 'string') {
    const property = path.slice(path.lastIndexOf('.') + 1).replace(/\[\d+\]$/, '');
    const match = (MULTILINE_FIELDS.has(property) ? CONTROL_BUT_LINES : CONTROL).exec(value);
    if (!match) return null;
    const code = `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    const what = match[0] === '\0' ? `a NUL byte (${code})` : `a control character (${code})`;
    return { field: path || 'input', message: `must not contain ${what}, found at position ${match.index}` };
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const problem = controlCharacterProblem(item, `${path}[${i}]`);
      if (problem) return problem;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (CONTROL.test(key)) return { field: path || 'input', message: 'must not have a key with a control character' };
      const problem = controlCharacterProblem(item, field);
      if (problem) return problem;
    }
  }
  return null;
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
