import type { BuildDto, BuildEventDto } from '@stagecraft/contracts';

import { type Webhook, webhookMatches } from './webhook';

describe('webhookMatches', () => {
  const webhook: Webhook = {
    id: 'w1',
    accountId: 'a1',
    enterpriseProjectId: 'p1',
    url: 'https://hooks.example.com/',
    eventTypes: ['succeeded', 'failed'],
    statuses: [],
    enabled: true,
  };
  const event = (type: string, status: BuildDto['status'], project = 'p1', account = 'a1'): BuildEventDto => ({
    eventId: 'e1',
    type,
    at: '2026-12-05T13:00:00.000Z',
    build: { id: 'b1', accountId: account, enterpriseProjectId: project, jobId: 'j1', status } as BuildDto,
  });

  it.each([
    ['a listed type', webhook, event('succeeded', 'SUCCEEDED'), true],
    ['an unlisted type', webhook, event('running', 'RUNNING'), false],
    ['another project', webhook, event('succeeded', 'SUCCEEDED', 'p2'), false],
    ['another account, same project id', webhook, event('succeeded', 'SUCCEEDED', 'p1', 'a2'), false],
    ['a disabled webhook', { ...webhook, enabled: false }, event('succeeded', 'SUCCEEDED'), false],
    ['a listed status', { ...webhook, eventTypes: ['phase'], statuses: ['RUNNING'] }, event('phase', 'RUNNING'), true],
    ['an unlisted status', { ...webhook, statuses: ['FAILED'] }, event('succeeded', 'SUCCEEDED'), false],
  ] as const)('%s: %p', (_case, hook, built, matches) => {
    expect(webhookMatches(hook as Webhook, built)).toBe(matches);
  });
});
