import { Clock } from '../domain/clock';

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
