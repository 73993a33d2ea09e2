import { DateTimeScalar } from './scalars';

describe('DateTimeScalar.serialize', () => {
  it.each([
    ['a Date', new Date('2026-11-26T17:38:40.123Z'), '2026-11-26T17:38:40.123Z'],
    ['a string in toISOString form, as it is', '2026-11-26T17:38:40.123Z', '2026-11-26T17:38:40.123Z'],
    ['another ISO-8601 form, normalized to UTC', '2026-11-26T18:38:40+01:00', '2026-11-26T17:38:40.000Z'],
    ['a date without time', '2026-11-26', '2026-11-26T00:00:00.000Z'],
  ])('writes %s as an ISO instant at UTC', (_what, value, expected) => {
    expect(DateTimeScalar.serialize(value)).toBe(expected);
  });

  it.each([['not a date'], ['2026-13-01T00:00:00.000Z'], [42], [null]])('refuses %p', (value) => {
    expect(() => DateTimeScalar.serialize(value)).toThrow('DateTime cannot represent this value');
  });
});
