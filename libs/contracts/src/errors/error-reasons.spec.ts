import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageErrorCode, PackageErrorReason } from '../artifacts/package.errors';
import { buildErrorCode, BuildErrorReason } from '../builds/build.errors';
import { webhookErrorCode, WebhookErrorReason } from '../builds/webhook.errors';
import { clusterErrorCode, ClusterErrorReason } from '../clusters/cluster.errors';
import { iamErrorCode, IamErrorReason } from '../iam/iam.errors';
import { packageJobErrorCode, PackageJobErrorReason } from '../jobs/package-job.errors';
import { errorDomain } from './domain-error';
import { ErrorCode } from './error-code';
import { ServiceError } from './service-error';

const DOMAINS: [string, Record<string, string>, (reason: never) => ErrorCode][] = [
  ['Package jobs', PackageJobErrorReason, packageJobErrorCode],
  ['Builds', BuildErrorReason, buildErrorCode],
  ['Webhooks', WebhookErrorReason, webhookErrorCode],
  ['Packages', PackageErrorReason, packageErrorCode],
  ['Clusters', ClusterErrorReason, clusterErrorCode],
  ['Identity and access', IamErrorReason, iamErrorCode],
];

/** reason → code, from the table under `## <title>` in docs/errors.md. */
function documented(title: string): Map<string, string> {
  const page = readFileSync(join(__dirname, '../../../../docs/errors.md'), 'utf8');
  const section = page.split(/^## /m).find((part) => part.startsWith(`${title}\n`));
  if (!section) throw new Error(`docs/errors.md has no section "${title}"`);
  const rows = [...section.matchAll(/^\| `(\w+)` \| `(\w+)` \|/gm)];
  return new Map(rows.map(([, reason, code]) => [reason, code]));
}

describe('error reasons', () => {
  it.each(DOMAINS)('docs/errors.md lists every reason of %s with the code it maps to, and no other', (title, reasons, codeOf) => {
    const expected = new Map(Object.values(reasons).map((reason) => [reason, codeOf(reason as never)]));
    expect(documented(title)).toEqual(expected);
  });

  it('refuses a domain that lists a reason under two codes', () => {
    expect(() =>
      errorDomain('Broken', { [ErrorCode.CONFLICT]: ['NAME_TAKEN'], [ErrorCode.BAD_USER_INPUT]: ['NAME_TAKEN'] }),
    ).toThrow('Broken: the reason NAME_TAKEN is listed under two codes');
  });

  it('a reason crosses the wire with its error; an error no domain names carries its code', () => {
    const body = new ServiceError(ErrorCode.CONFLICT, 'changed meanwhile', 'expectedVersion', 'VERSION_CONFLICT').toBody();
    expect(ServiceError.fromBody(JSON.parse(JSON.stringify(body)))).toMatchObject({
      code: ErrorCode.CONFLICT,
      reason: 'VERSION_CONFLICT',
      field: 'expectedVersion',
    });
    expect(ServiceError.notFound('thing').toBody()).toEqual({
      code: 'NOT_FOUND',
      reason: 'NOT_FOUND',
      message: 'thing not found',
    });
  });
});
