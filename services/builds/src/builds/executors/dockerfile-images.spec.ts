import { dockerfileBaseImage, dockerfileImages, DockerfileImagesError } from './dockerfile-images';

describe('dockerfileImages (what a sealed LOCAL build pulls before its steps run without network)', () => {
  it('lists FROM images and COPY --from images once, leaving out stages and scratch', () => {
    const dockerfile = [
      'ARG BASE=127.0.0.1:5000/base',
      'ARG TAG="1"',
      'FROM --platform=linux/amd64 ${BASE}:$TAG AS build',
      'RUN make',
      'FROM scratch AS empty',
      'FROM build AS again',
      'FROM 127.0.0.1:5000/runtime:2',
      'COPY --from=build /out /app',
      'COPY --from=0 /out /app2',
      'COPY --from=registry.example.com/tools:3 /bin/tool /bin/tool',
      'FROM 127.0.0.1:5000/base:1',
    ].join('\n');
    expect(dockerfileImages(dockerfile)).toEqual([
      '127.0.0.1:5000/base:1',
      '127.0.0.1:5000/runtime:2',
      'registry.example.com/tools:3',
    ]);
  });

  it('refuses an image that depends on an ARG without a default, which cannot be pulled beforehand', () => {
    expect(() => dockerfileImages('ARG BASE\nFROM ${BASE}\n')).toThrow(DockerfileImagesError);
    expect(() => dockerfileImages('FROM base\nARG V=1\nFROM base:$V\n')).toThrow(/line 3: the image base:\$V depends on an ARG/);
  });

  it('refuses what is not a Dockerfile', () => {
    expect(() => dockerfileImages('RUN echo hi\n')).toThrow(/must start with FROM/);
  });
});

describe('dockerfileBaseImage (the base a Dockerfile image has, which base image changes watch)', () => {
  it("is the final stage's FROM image, through stage names and ARG defaults", () => {
    expect(dockerfileBaseImage('FROM 127.0.0.1:5000/python:3.13-slim\nRUN true\n')).toBe('127.0.0.1:5000/python:3.13-slim');
    const multiStage = [
      'ARG BASE=127.0.0.1:5000/runtime',
      'FROM 127.0.0.1:5000/builder:1 AS build',
      'FROM ${BASE}:2 AS runtime',
      'FROM runtime AS final',
      'COPY --from=build /out /app',
      'FROM final',
    ].join('\n');
    expect(dockerfileBaseImage(multiStage)).toBe('127.0.0.1:5000/runtime:2');
  });

  it('is null for scratch (also through a stage), an ARG without a default, or no Dockerfile', () => {
    expect(dockerfileBaseImage('FROM scratch\nCOPY a /a\n')).toBeNull();
    expect(dockerfileBaseImage('FROM scratch AS empty\nFROM empty\n')).toBeNull();
    expect(dockerfileBaseImage('ARG BASE\nFROM ${BASE}\n')).toBeNull();
    expect(dockerfileBaseImage('RUN echo no from\n')).toBeNull();
  });
});
