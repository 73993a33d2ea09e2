import type { DynamicModule, Type } from '@nestjs/common';

/** Makes a loaded config object injectable everywhere, by its class. */
export function configModule<T extends object>(configClass: Type<T>, value: T): DynamicModule {
  return {
    module: class ConfigModule {},
    global: true,
    providers: [{ provide: configClass, useValue: value }],
    exports: [configClass],
  };
}
