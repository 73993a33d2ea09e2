import { ErrorCode } from '@stagecraft/contracts';

import { BaseImageCatalog } from './base-image-catalog';
import { checkArchiveImage, checkBuildSpec, checkDescription, checkName } from './package-job.rules';

const catalog = BaseImageCatalog.fromConfig(undefined);

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(error).toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    return (error as { field: string }).field;
  }
}

describe('package job rules', () => {
  it.each([
    ['order-build_1', undefined],
    ['0lead', undefined],
    ['', 'name'],
    ['x'.repeat(65), 'name'],
    ['_lead', 'name'],
    ['with.dot', 'name'],
  ])('name %j → %s', (name, field) => expect(fieldOf(() => checkName(name))).toBe(field));

  it('keeps descriptions to 64 characters', () => {
    expect(checkDescription('d'.repeat(64))).toHaveLength(64);
    expect(checkDescription('')).toBeNull();
    expect(fieldOf(() => checkDescription('d'.repeat(65)))).toBe('description');
  });

  it.each([
    ['127.0.0.1:5000/team/orders:1.0', undefined],
    ['orders', undefined],
    ['Team/Orders', 'archiveImage'],
    ['orders:', 'archiveImage'],
  ])('archiveImage %j → %s', (image, field) => expect(fieldOf(() => checkArchiveImage(image))).toBe(field));

  it.each([
    [{ type: 'SYSTEM_DEFAULT', baseImage: 'eclipse-temurin', baseImageTag: '17-jre' }, 'JAVA', undefined],
    [{ type: 'SYSTEM_DEFAULT', baseImageTag: '17-jre' }, 'JAVA', 'baseImage'],
    [{ type: 'SYSTEM_DEFAULT', baseImage: 'node', baseImageTag: '20-slim' }, 'JAVA', 'baseImage'],
    [{ type: 'SYSTEM_DEFAULT', baseImage: 'eclipse-temurin' }, 'JAVA', 'baseImageTag'],
    [{ type: 'SYSTEM_DEFAULT', baseImage: 'eclipse-temurin', baseImageTag: '6' }, 'JAVA', 'baseImageTag'],
    [{ type: 'IMAGE', baseImage: 'swr.example.com/base/node:20-alpine' }, 'NODEJS', undefined],
    [{ type: 'IMAGE', baseImage: 'python:3.12' }, 'NODEJS', 'baseImage'],
    [{ type: 'IMAGE' }, 'NODEJS', 'baseImage'],
    [{ type: 'CUSTOM_DOCKERFILE', dockerfile: 'FROM php:8.3-apache\nCOPY . /var/www/html' }, 'PHP', undefined],
    [{ type: 'CUSTOM_DOCKERFILE' }, 'PHP', 'dockerfile'],
    [{ type: 'CUSTOM_DOCKERFILE', dockerfile: 'COPY . /app' }, 'PHP', 'dockerfile'],
  ] as const)('%j for %s → %s', (spec, stack, field) => expect(fieldOf(() => checkBuildSpec(spec, stack, catalog))).toBe(field));

  it('saves a Dockerfile with likely secrets, with warnings', () => {
    const checked = checkBuildSpec(
      { type: 'CUSTOM_DOCKERFILE', dockerfile: 'FROM node:20\nENV NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789\n' },
      'NODEJS',
      catalog,
    );
    expect(checked.warnings).toEqual([expect.objectContaining({ line: 2, kind: 'token' })]);
    expect(JSON.stringify(checked.warnings)).not.toContain('npm_abcdef');
  });
});
