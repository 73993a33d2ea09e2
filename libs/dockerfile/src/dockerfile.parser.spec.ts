import { MAX_DOCKERFILE_BYTES, parseDockerfile } from './dockerfile.parser';

describe('parseDockerfile', () => {
  it('reads instructions, continuations, comments and heredocs', () => {
    const parsed = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=eclipse-temurin:17-jre',
        'FROM ${BASE}',
        'RUN apt-get update && \\',
        '    # a comment inside',
        '    apt-get install -y curl',
        'COPY <<EOF /app/config.txt',
        'hello',
        'EOF',
        'CMD ["java", "-jar", "/app/app.jar"]',
      ].join('\n'),
    );
    expect(parsed).toMatchObject({ ok: true });
    if (!parsed.ok) return;
    expect(parsed.instructions.map((i) => [i.keyword, i.line])).toEqual([
      ['ARG', 2],
      ['FROM', 3],
      ['RUN', 4],
      ['COPY', 7],
      ['CMD', 10],
    ]);
    expect(parsed.instructions[2].args).toBe('apt-get update &&     apt-get install -y curl');
    expect(parsed.instructions[3].args).toContain('hello');
  });

  it('honours the escape directive', () => {
    const parsed = parseDockerfile('# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n  c:\\');
    expect(parsed.ok && parsed.instructions[1].args).toBe('dir   c:\\');
  });

  it.each([
    ['', 'dockerfile has no instructions'],
    ['# only a comment\n', 'dockerfile has no instructions'],
    ['RUN echo hi\nFROM alpine', 'dockerfile must start with FROM (line 1 is RUN)'],
    ['ARG X\nCOPY . .', 'dockerfile must start with FROM (line 2 is COPY)'],
    ['FROM', 'dockerfile line 1: FROM needs an image'],
    ['FROM alpine\nFETCH http://x', 'dockerfile line 2: unknown instruction FETCH'],
    ['FROM alpine\n!!!', 'dockerfile line 2: expected an instruction'],
    ['FROM alpine\nRUN <<EOT\necho hi', 'dockerfile line 2: the heredoc EOT is never closed'],
  ])('refuses %j', (text, problem) => {
    expect(parseDockerfile(text)).toEqual({ ok: false, problem });
  });

  it('refuses more than 64 KiB', () => {
    expect(parseDockerfile('FROM alpine\n' + '#'.repeat(MAX_DOCKERFILE_BYTES))).toEqual({
      ok: false,
      problem: 'dockerfile must be at most 64 KiB',
    });
  });
});
