import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { type DatabaseOptions, openDatabase } from './data-source.factory';

/**
 * A service's database: its own schema, migrations applied on start, and repositories for its
 * entities injectable with @InjectRepository.
 */
export function serviceDatabaseModule(
  options: DatabaseOptions & { entities: Parameters<typeof TypeOrmModule.forFeature>[0] },
): DynamicModule {
  return {
    module: class ServiceDatabaseModule {},
    imports: [
      TypeOrmModule.forRootAsync({
        useFactory: () => ({ type: 'postgres', url: options.url }),
        dataSourceFactory: () => openDatabase(options),
      }),
      TypeOrmModule.forFeature(options.entities),
    ],
    exports: [TypeOrmModule],
  };
}
