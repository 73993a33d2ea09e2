import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  ATTESTATION_ATTACHMENTS,
  BUILD_TRIGGERS,
  BUILD_TYPES,
  CLUSTER_STATUSES,
  CLUSTER_TYPES,
  IMAGE_CLASSES,
  PACKAGE_SOURCES,
  PACKAGE_STATUSES,
} from '@stagecraft/contracts';

const ROOT = join(__dirname, '..', '..');

/** Every `CHECK (column IN (…))` of a migration, and the contract list it must equal. */
const CHECKED_COLUMNS: Record<string, readonly string[]> = {
  'artifacts.source': PACKAGE_SOURCES,
  'artifacts.status': PACKAGE_STATUSES,
  'clusters.type': CLUSTER_TYPES,
  'clusters.status': CLUSTER_STATUSES,
  'jobs.build_type': BUILD_TYPES,
  'jobs.image_class': IMAGE_CLASSES,
  'iam.image_class': IMAGE_CLASSES,
  'builds.attached_as': ATTESTATION_ATTACHMENTS,
  'builds.trigger': BUILD_TRIGGERS,
};

/**
 * Issue 13: an enum is declared once, in libs/contracts; the gateway's GraphQL enums are made
 * from those lists (enumOf), and the databases' CHECK constraints must say the same.
 */
describe('the migrations’ CHECK lists are the contracts’ lists', () => {
  const found: { key: string; values: string[] }[] = [];
  for (const service of readdirSync(join(ROOT, 'services'))) {
    const folder = join(ROOT, 'services', service, 'src', 'migrations');
    for (const file of readdirSync(folder).filter((name) => /^\d+-.*\.ts$/.test(name))) {
      const text = readFileSync(join(folder, file), 'utf8');
      for (const [, column, list] of text.matchAll(/(\w+) text NOT NULL CHECK \(\1 IN \(([^)]*)\)\)/g))
        found.push({ key: `${service}.${column}`, values: [...list.matchAll(/'([^']*)'/g)].map(([, value]) => value) });
    }
  }

  it('finds the constraints', () => expect(found.length).toBeGreaterThanOrEqual(Object.keys(CHECKED_COLUMNS).length));

  it.each(Object.keys(CHECKED_COLUMNS))('%s', (key) => {
    const lists = found.filter((check) => check.key === key);
    expect(lists.length).toBeGreaterThan(0);
    for (const check of lists) expect(check.values).toEqual([...CHECKED_COLUMNS[key]]);
  });

  it('every checked column is one of them (a new CHECK names its contract list here)', () => {
    expect(found.map((check) => check.key).filter((key) => !(key in CHECKED_COLUMNS))).toEqual([]);
  });
});
