import { isDelivered, retryDelayMs } from './webhook-retry';

describe('webhook retries', () => {
  const policy = { maxAttempts: 5, initialMs: 1000, maxMs: 5000 };

  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 5000],
    [5, null],
    [6, null],
  ])('waits after attempt %i: %p ms (null: no more attempts)', (attempt, delay) => {
    expect(retryDelayMs(policy, attempt)).toBe(delay);
  });

  it.each([
    [200, true],
    [204, true],
    [299, true],
    [301, false],
    [404, false],
    [500, false],
  ])('takes status %i as delivered: %p', (status, delivered) => {
    expect(isDelivered(status)).toBe(delivered);
  });
});
