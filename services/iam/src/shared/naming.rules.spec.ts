import { ErrorCode, IamErrorReason, resourceNameProblem } from '@stagecraft/contracts';

import { assertName, normalizeDescription } from './naming.rules';

describe('resourceNameProblem', () => {
  it.each([
    ['a', null],
    ['0build', null],
    ['team_A-1', null],
    ['x'.repeat(64), null],
    ['', 'must be 1 to 64 characters'],
    ['x'.repeat(65), 'must be 1 to 64 characters'],
    ['_lead', 'must start with a letter or digit and use only letters, digits, _ and -'],
    ['-lead', 'must start with a letter or digit and use only letters, digits, _ and -'],
    ['has space', 'must start with a letter or digit and use only letters, digits, _ and -'],
    ['dot.ted', 'must start with a letter or digit and use only letters, digits, _ and -'],
    ['ünï', 'must start with a letter or digit and use only letters, digits, _ and -'],
  ])('%j → %j', (value, expected) => {
    expect(resourceNameProblem(value)).toBe(expected);
  });

  it('names the field in the error', () => {
    expect(() => assertName('name', 'bad name')).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT, reason: IamErrorReason.INVALID_FIELD, field: 'name' }),
    );
  });
});

describe('normalizeDescription', () => {
  it.each([
    [undefined, null],
    [null, null],
    ['  ', null],
    ['fine', 'fine'],
  ])('%j → %j', (value, expected) => {
    expect(normalizeDescription('description', value)).toBe(expected);
  });

  it('refuses more than 255 characters', () => {
    expect(() => normalizeDescription('description', 'd'.repeat(256))).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT, reason: IamErrorReason.INVALID_FIELD, field: 'description' }),
    );
  });
});
