import { Clock } from '../../src/packages/domain/clock';

/** Time that moves only when a test moves it. */
export class FakeClock extends Clock {
  private current: number;

  constructor(start = new Date('2026-01-05T09:00:00.000Z')) {
    super();
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
