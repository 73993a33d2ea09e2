// Imported first by every process's main.ts, before anything loads class-validator or TypeORM.
//
// Two libraries load, as soon as they load themselves, modules for features Stagecraft never
// uses; each process would hold them for as long as it runs (docs/benchmarks.md, platform-start):
// - class-validator's IsPhoneNumber loads libphonenumber-js with its full metadata: 1.7 MiB of
//   heap in each of the seven Node processes `npm start` runs; no Stagecraft DTO checks a phone number;
// - TypeORM's DriverFactory loads the driver of every database it supports, and with each its
//   query runner: ~3 MiB per service; Stagecraft runs on Postgres alone.
// Each now loads the first time anything reads from it (deferModule), which is never.
import { deferModule } from './memory/deferred-module';

deferModule('libphonenumber-js/max', 'class-validator');

const UNUSED_TYPEORM_DRIVERS = [
  'aurora-mysql/AuroraMysqlDriver',
  'aurora-postgres/AuroraPostgresDriver',
  'better-sqlite3/BetterSqlite3Driver',
  'capacitor/CapacitorDriver',
  'cockroachdb/CockroachDriver',
  'cordova/CordovaDriver',
  'expo/ExpoDriver',
  'mongodb/MongoDriver',
  'mysql/MysqlDriver',
  'nativescript/NativescriptDriver',
  'oracle/OracleDriver',
  'react-native/ReactNativeDriver',
  'sap/SapDriver',
  'spanner/SpannerDriver',
  'sqljs/SqljsDriver',
  'sqlserver/SqlServerDriver',
];
for (const driver of UNUSED_TYPEORM_DRIVERS) deferModule(`typeorm/driver/${driver}`, 'typeorm');
