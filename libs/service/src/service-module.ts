import type { DynamicModule, ModuleMetadata, Provider, Type } from '@nestjs/common';
import { AuthzModule, type AuthzModuleOptions } from '@stagecraft/authz';
import { configModule } from '@stagecraft/config';
import { healthNatsController, MessagingModule } from '@stagecraft/messaging';
import { ObservabilityModule } from '@stagecraft/observability';
import { type DatabaseOptions, serviceDatabaseModule } from '@stagecraft/persistence';

import type { ServiceConfig } from './service-config';

export interface ServiceModuleOptions<C extends ServiceConfig> {
  module: Type<unknown>;
  /** The process's NATS identity, also the name its health subject answers for. */
  name: string;
  configClass: Type<C>;
  config: C;
  entities: DatabaseOptions['entities'] & Parameters<typeof serviceDatabaseModule>[0]['entities'];
  migrations: DatabaseOptions['migrations'];
  /** Modules the service's own providers need, imported before authz (which may use them). */
  imports?: ModuleMetadata['imports'];
  /** iam resolves callers from its own database; every other service asks iam. */
  authz?: AuthzModuleOptions;
  controllers: Type<unknown>[];
  providers: Provider[];
}

/**
 * The one shape of a Stagecraft service: its validated config, its NATS identity, its own
 * schema with its migrations, authorization on every handler, a health subject, its /metrics port
 * closed and last spans sent when it stops, and then what is the service's own.
 */
export function serviceModule<C extends ServiceConfig>(options: ServiceModuleOptions<C>): DynamicModule {
  const { config } = options;
  return {
    module: options.module,
    imports: [
      configModule(options.configClass, config),
      MessagingModule.forRoot({ name: options.name, nats: config }),
      serviceDatabaseModule({
        url: config.DATABASE_URL,
        schema: config.DATABASE_SCHEMA,
        poolSize: config.DATABASE_POOL_SIZE,
        entities: options.entities,
        migrations: options.migrations,
      }),
      ...(options.imports ?? []),
      AuthzModule.forService(options.authz),
      ObservabilityModule,
    ],
    controllers: [...options.controllers, healthNatsController(options.name)],
    providers: options.providers,
  };
}
