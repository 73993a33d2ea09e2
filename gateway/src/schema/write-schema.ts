import 'reflect-metadata';

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { printGatewaySchema } from './gateway-schema';

// Run from the repository root: `npm run schema`.
const target = join(process.cwd(), 'gateway', 'schema.graphql');
printGatewaySchema()
  .then((schema) => {
    writeFileSync(target, schema);
    console.log(`wrote ${target}`);
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
