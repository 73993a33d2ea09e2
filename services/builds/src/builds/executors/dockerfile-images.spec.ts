import { dockerfileImages, DockerfileImagesError } from './dockerfile-images';

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
