import { ErrorCode, PackageErrorReason } from '@stagecraft/contracts';

import {
  bucketProblem,
  check,
  declaredSizeProblem,
  objectKeyProblem,
  packageNameProblem,
  packageVersionProblem,
} from './package.rules';

describe('package rules', () => {
  it.each([
    ['order-service', null],
    ['app.core_2', null],
    ['', 'name must be 1 to 64 characters'],
    ['n'.repeat(65), 'name must be 1 to 64 characters'],
    ['.hidden', 'name must start with a letter or digit and use only letters, digits, ., _ and -'],
    ['with space', 'name must start with a letter or digit and use only letters, digits, ., _ and -'],
  ])('name %j → %j', (value, expected) => expect(packageNameProblem(value)).toBe(expected));

  it.each([
    ['1.0.0', null],
    ['2.1.0-rc.1+build.5', null],
    ['v3', null],
    ['', 'version must be 1 to 64 characters'],
    ['-1', 'version must start with a letter or digit and use only letters, digits, ., _, + and -'],
    ['1 0', 'version must start with a letter or digit and use only letters, digits, ., _, + and -'],
  ])('version %j → %j', (value, expected) => expect(packageVersionProblem(value)).toBe(expected));

  it.each([
    ['my-bucket', true],
    ['a.b.c', true],
    ['ab', false],
    ['Upper', false],
    ['-lead', false],
    ['double..dot', false],
    ['b'.repeat(64), false],
  ])('bucket %j valid: %j', (value, valid) => expect(bucketProblem(value) === null).toBe(valid));

  it.each([
    ['builds/app-1.0.jar', null],
    ['', 'objectKey must be 1 to 1024 bytes'],
    ['/abs', 'objectKey must not start with /'],
    ['k'.repeat(1025), 'objectKey must be 1 to 1024 bytes'],
    ['bad\nkey', 'objectKey must not contain control characters'],
  ])('objectKey %j → %j', (value, expected) => expect(objectKeyProblem(value)).toBe(expected));

  it.each([
    [100, null, null],
    [100, 100, null],
    [99, 100, 'the upload is 99 bytes, not the declared sizeBytes of 100'],
  ])('upload of %j bytes, %j declared → %j', (size, declared, expected) =>
    expect(declaredSizeProblem(size, declared)).toBe(expected),
  );

  it('check throws INVALID_FIELD on the field, with the problem as its message', () => {
    expect(() => check('name', null)).not.toThrow();
    expect(() => check('name', 'name must be 1 to 64 characters')).toThrow(
      expect.objectContaining({
        code: ErrorCode.BAD_USER_INPUT,
        reason: PackageErrorReason.INVALID_FIELD,
        field: 'name',
        message: 'name must be 1 to 64 characters',
      }),
    );
  });
});
