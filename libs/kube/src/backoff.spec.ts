import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const options = { baseMs: 200, maxMs: 30_000 };

  it('doubles from the base up to the maximum', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 9, 50].map((attempt) => backoffDelay(attempt, options, () => 1));
    expect(ceilings).toEqual([200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
  });

  it('jitters between half and all of the ceiling', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(400);
    expect(backoffDelay(3, options, () => 0.5)).toBe(600);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(4, options);
      expect(delay).toBeGreaterThanOrEqual(800);
      expect(delay).toBeLessThanOrEqual(1600);
    }
  });

  it('treats attempt 0 or less like the first', () => {
    expect(backoffDelay(0, options, () => 1)).toBe(200);
  });
});
