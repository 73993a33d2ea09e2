/** What time it is, for what the service decides itself (a download grant's expiry); a port so tests can move it. */
export abstract class Clock {
  abstract now(): Date;
}
