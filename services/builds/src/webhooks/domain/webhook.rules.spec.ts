import { ErrorCode } from '@stagecraft/contracts';

import { checkWebhookSettings } from './webhook.rules';

describe('webhook settings rules', () => {
  it.each([
    [{ url: 'https://hooks.example.com/stagecraft?team=1' }],
    [{ url: 'http://10.0.0.5:8080/hook' }],
    [{ eventTypes: ['succeeded', 'timed_out', 'phase'], statuses: ['FAILED'] }],
    [{ statuses: [], description: 'd'.repeat(256) }],
  ])('accepts %j', (settings) => {
    expect(() => checkWebhookSettings(settings)).not.toThrow();
  });

  it.each([
    [{ url: 'ftp://hooks.example.com/' }, 'url', 'url must be an https or http URL'],
    [{ url: 'hooks.example.com/x' }, 'url', 'url must be an absolute URL'],
    [{ url: 'https://user:pw@hooks.example.com/' }, 'url', 'url must not carry a user or password'],
    [{ url: 'https://token@hooks.example.com/' }, 'url', 'url must not carry a user or password'],
    [{ url: 'https://hooks.example.com/#x' }, 'url', 'url must not have a fragment'],
    [{ url: `https://hooks.example.com/${'a'.repeat(2048)}` }, 'url', 'url must be at most 2048 characters'],
    [{ eventTypes: [] }, 'eventTypes', 'eventTypes must name at least one event type'],
    [{ eventTypes: ['SUCCEEDED'] }, 'eventTypes', 'eventTypes has "SUCCEEDED", not one of queued'],
    [{ statuses: ['DONE'] }, 'statuses', 'statuses has "DONE", not one of PENDING'],
    [{ description: 'd'.repeat(257) }, 'description', 'description must be at most 256 characters'],
  ])('refuses %j, naming %s and the rule', (settings, field, message) => {
    let error: unknown;
    try {
      checkWebhookSettings(settings);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, field, reason: 'INVALID_WEBHOOK' });
    expect((error as Error).message).toContain(message);
  });
});
