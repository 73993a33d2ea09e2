import { createServer, type Server } from 'node:http';

import type { INestMicroservice } from '@nestjs/common';
import { accessibleWhere, type Caller, CallerResolver } from '@stagecraft/authz';
import type { ListPackageJobsRequest } from '@stagecraft/contracts';
import { paginate } from '@stagecraft/persistence';
import { DataSource, type SelectQueryBuilder } from 'typeorm';

import { requestContextFromHeaders } from '../../gateway/src/auth/request-context';
import { PackageJobEntity } from '../../services/jobs/src/package-jobs/infra/package-job.entity';
// Not exported by @stagecraft/service-jobs; the baseline answers with the very jobs jobs.list sends.
import { listedJob } from '../../services/jobs/src/package-jobs/package-jobs.service';

/** The query PackageJobsService.list builds for `packageJobs(first: N)` with no filter. */
export function listQuery(dataSource: DataSource, caller: Caller): SelectQueryBuilder<PackageJobEntity> | null {
  const where = accessibleWhere(caller.ability, 'list', 'assembling', { enterpriseProjectId: 'j.enterprise_project_id' });
  if (!where) return null;
  return dataSource
    .getRepository(PackageJobEntity)
    .createQueryBuilder('j')
    .where('j.account_id = :accountId', { accountId: caller.accountId })
    .andWhere(where.sql, where.params);
}

/**
 * The list answered in process, without NATS or GraphQL: a bare HTTP endpoint that verifies the
 * token and resolves the caller with jobs' own CallerResolver (its cached ability), runs the
 * identical query builder + keyset paginate on jobs' own pool, and sends the page as JSON: the
 * jobs as jobs.list sends them for `request` (the keys the gateway asks for), in the document the
 * platform answers, so that both paths write and their clients parse the same bytes.
 */
export async function startInProcessList(
  jobs: INestMicroservice,
  request: Pick<ListPackageJobsRequest, 'first' | 'fields'>,
): Promise<{ url: string; close(): Promise<void> }> {
  const { first, fields } = request;
  const callers = jobs.get(CallerResolver, { strict: false });
  const dataSource = jobs.get(DataSource, { strict: false });
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      void (async () => {
        try {
          const caller = await callers.resolve(requestContextFromHeaders(req.headers.authorization, undefined));
          const query = listQuery(dataSource, caller);
          const page = query ? await paginate(query, { createdAt: 'j.created_at', id: 'j.id' }, { first }) : null;
          // Apollo ends its JSON with a newline.
          const body = `${JSON.stringify({
            data: {
              packageJobs: {
                edges: (page?.edges ?? []).map((edge) => ({ cursor: edge.cursor, node: listedJob(edge.node, fields) })),
                pageInfo: { hasNextPage: page?.hasNextPage ?? false, endCursor: page?.endCursor ?? null },
              },
            },
          })}\n`;
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        } catch (error) {
          res
            .writeHead(500, { 'content-type': 'application/json' })
            .end(JSON.stringify({ errors: [{ message: String(error) }] }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
