import { BaseImageCatalog, OFFICIAL_BASE_IMAGES } from './base-image-catalog';

describe('BaseImageCatalog', () => {
  const catalog = BaseImageCatalog.fromConfig(undefined);

  it('defaults to the official images', () => {
    expect(catalog.imagesFor('JAVA')).toEqual(OFFICIAL_BASE_IMAGES.JAVA);
    expect(catalog.repositoriesFor('PHP')).toEqual(['php']);
    expect(catalog.tagsFor('NODEJS', 'node')).toEqual(['18-slim', '20-slim', '22-slim']);
    expect(catalog.tagsFor('JAVA', 'node')).toBeNull();
  });

  it('reads a configured catalog, registries with ports included', () => {
    const local = BaseImageCatalog.fromConfig(JSON.stringify({ JAVA: ['127.0.0.1:5001/library/eclipse-temurin:17-jre'] }));
    expect(local.repositoriesFor('JAVA')).toEqual(['127.0.0.1:5001/library/eclipse-temurin']);
    expect(local.tagsFor('JAVA', '127.0.0.1:5001/library/eclipse-temurin')).toEqual(['17-jre']);
    expect(local.imagesFor('TOMCAT')).toEqual([]);
  });

  it.each([
    ['not json', 'BASE_IMAGE_CATALOG is not JSON'],
    ['{"JAVA":"eclipse-temurin:17"}', 'BASE_IMAGE_CATALOG.JAVA must be a list of repository:tag'],
    ['{"JAVA":["eclipse-temurin"]}', 'base image catalog entry eclipse-temurin must be repository:tag'],
  ])('refuses %s', (json, message) => expect(() => BaseImageCatalog.fromConfig(json)).toThrow(message));

  it.each([
    ['JAVA', 'swr.example.com/team/eclipse-temurin:21-jdk', true],
    ['JAVA', 'eclipse-temurin', true],
    ['JAVA', 'node:20', false],
    ['PYTHON', 'registry.local:5000/python@sha256:' + 'a'.repeat(64), true],
    ['PHP', 'NOT VALID', false],
  ] as const)('%s accepts %s: %s', (stack, image, expected) => expect(catalog.isImageOf(stack, image)).toBe(expected));
});
