import 'reflect-metadata';

import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';

type ConfigClass<T> = new () => T;

/** Thrown at startup when the environment does not satisfy a service's config class. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The environment variable names a config class reads: its decorated properties.
 * Each property of a config class is named exactly as the variable it reads.
 */
export function configKeys<T>(cls: ConfigClass<T>): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

/**
 * Builds a config object from an environment, applying the class's defaults, converting
 * numbers and booleans, and failing with every problem at once (values are never echoed,
 * since some variables hold secrets).
 */
export function loadConfig<T extends object>(cls: ConfigClass<T>, env: NodeJS.ProcessEnv = process.env): T {
  const keys = configKeys(cls);
  const defaults = new cls() as Record<string, unknown>;
  const plain: Record<string, unknown> = {};
  for (const key of keys) {
    const raw = env[key];
    plain[key] = raw === undefined || raw === '' ? defaults[key] : coerce(raw, defaults[key]);
  }
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, { forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(errors.flatMap(describe));
  return instance;
}

function coerce(raw: string, defaultValue: unknown): unknown {
  if (typeof defaultValue === 'number') return raw.trim() === '' ? NaN : Number(raw);
  if (typeof defaultValue === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    return raw;
  }
  return raw;
}

function describe(error: ValidationError): string[] {
  return Object.keys(error.constraints ?? {}).map((rule) => `${error.property}: fails ${rule}`);
}
