import { type ArgumentMetadata, type Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { ServiceError } from '@stagecraft/contracts';
import { plainToInstance } from 'class-transformer';

import { payloadTextOf } from './payload-text';

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

/** Payload texts remembered as valid, per request class; the oldest are forgotten first. */
const REMEMBERED_PER_CLASS = 64;

class RpcValidationPipe extends ValidationPipe {
  /**
   * The exact JSON texts (payloadTextOf) of payloads this pipe found valid, per request class.
   * class-validator walks every rule of the class on each request, and the gateway sends the same
   * few payloads over and over (a list's page size and selection). Validation depends on nothing
   * but the text and the class, so a text found valid is valid again: it is only turned into a
   * new instance of the class, as ValidationPipe would have. Failures are never remembered.
   */
  private readonly valid = new Map<Type<unknown>, Set<string>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Custom parameters (the caller from the token) are no user input.
    if (metadata.type === 'custom') return super.transform(value, metadata);
    const problem = controlCharacterProblem(value);
    if (problem) throw ServiceError.badInput(problem.field, `${problem.field}: ${problem.message}`);
    const text = payloadTextOf(value);
    const metatype = metadata.metatype;
    if (text === undefined || !metatype || !this.toValidate(metadata) || !isPlainObject(value))
      return super.transform(value, metadata);
    const known = this.valid.get(metatype);
    if (known?.has(text)) {
      // What ValidationPipe does to a value before building the instance (prototype keys go).
      this.stripProtoKeys(value);
      return plainToInstance(metatype, value, this.transformOptions);
    }
    const transformed = await super.transform(value, metadata);
    this.remember(metatype, text);
    return transformed;
  }

  private remember(metatype: Type<unknown>, text: string): void {
    let known = this.valid.get(metatype);
    if (!known) this.valid.set(metatype, (known = new Set()));
    if (known.size >= REMEMBERED_PER_CLASS) known.delete(known.values().next().value!);
    known.add(text);
  }
}

/** A JSON object (not an array): what a request class is built from. */
function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
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
