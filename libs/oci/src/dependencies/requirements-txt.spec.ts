import { AssemblyError } from '../assembly.errors';
import { formatRequirementsTxt, parseRequirementsTxt } from './requirements-txt';

function refusal(text: string): { code: string; message: string } {
  try {
    parseRequirementsTxt(text);
  } catch (error) {
    if (error instanceof AssemblyError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`accepted: ${text}`);
}

describe('parseRequirementsTxt', () => {
  it('keeps names, extras, versions, markers and hashes; drops comments and blank lines; joins continuations', () => {
    const parsed = parseRequirementsTxt(
      [
        '# the app',
        'flask==3.0.3',
        'requests[security, socks] >=2.31,<3  # http',
        'importlib-metadata; python_version < "3.10"',
        'Django (>=4.2)',
        '',
        'attrs==23.2.0 \\',
        '    --hash=sha256:99b87a485a5820b23b879f04c2305b44b951b502fd64be915879d77a7e8fc6f1',
        '--require-hashes',
        '--only-binary=:all:',
        'zope.interface~=6.0',
      ].join('\n'),
    );
    expect(parsed.requirements).toEqual([
      { line: 2, text: 'flask==3.0.3' },
      { line: 3, text: 'requests[security, socks] >=2.31,<3' },
      { line: 4, text: 'importlib-metadata; python_version < "3.10"' },
      { line: 5, text: 'Django (>=4.2)' },
      { line: 7, text: 'attrs==23.2.0 --hash=sha256:99b87a485a5820b23b879f04c2305b44b951b502fd64be915879d77a7e8fc6f1' },
      { line: 11, text: 'zope.interface~=6.0' },
    ]);
    expect(parsed.options).toEqual(['--require-hashes', '--only-binary=:all:']);
    expect(formatRequirementsTxt(parsed).toString()).toBe(
      [
        '--require-hashes',
        '--only-binary=:all:',
        'flask==3.0.3',
        'requests[security, socks] >=2.31,<3',
        'importlib-metadata; python_version < "3.10"',
        'Django (>=4.2)',
        'attrs==23.2.0 --hash=sha256:99b87a485a5820b23b879f04c2305b44b951b502fd64be915879d77a7e8fc6f1',
        'zope.interface~=6.0',
        '',
      ].join('\n'),
    );
  });

  it('answers no requirement for a file of comments', () => {
    expect(parseRequirementsTxt('# nothing yet\n\n   \n').requirements).toEqual([]);
  });

  it.each([
    ['--index-url https://evil.example/simple', 'names a package index'],
    ['-i https://evil.example/simple', 'names a package index'],
    ['--extra-index-url=http://10.0.0.5/simple', 'names a package index'],
    ['-f http://127.0.0.1:4222/', 'names a package index or link location'],
    ['--find-links /etc', 'names a package index or link location'],
    ['--trusted-host evil.example', 'names a package index'],
    ['--no-index', 'names a package index'],
    ['-r other.txt', 'includes another file'],
    ['-c constraints.txt', 'includes another file'],
    ['-e git+https://github.com/x/y.git#egg=y', 'editable install'],
    ['--no-binary :all:', 'asks for a source build'],
    ['https://evil.example/pkg-1.0.tar.gz', 'is a URL'],
    ['git+https://github.com/x/y.git@v1#egg=y', 'is a URL'],
    ['git+ssh://git@github.com/x/y.git', 'is a URL'],
    ['y @ https://evil.example/y-1.0-py3-none-any.whl', 'is a URL'],
    ['y@file:///etc/passwd', 'is a URL'],
    ['y @ ./vendor/y', 'is a direct reference'],
    ['./vendor/y-1.0-py3-none-any.whl', 'is a local file or folder'],
    ['vendor/y', 'is a local file or folder'],
    ['y-1.0.tar.gz', 'is a local file or folder'],
    ['flask==${VERSION}', 'environment variable expansion'],
    ['flask==3.0 --global-option=build_ext', 'only --hash may follow a requirement'],
    ['flask==3.0 --index-url=https://evil.example/', 'only --hash may follow a requirement'],
    ['flask; os_name == "posix" or url == "http://x"', 'is a URL'],
    ['flask==3.0; `id`', 'environment marker'],
    ['--pre=yes', 'gives a value to an option that takes none'],
  ])('refuses %p, naming the line and why', (line, why) => {
    const { code, message } = refusal(`flask==3.0.3\n${line}\n`);
    expect(code).toBe('DEPENDENCY_SOURCE_REFUSED');
    expect(message).toContain('requirements.txt line 2:');
    expect(message).toContain(why);
  });

  it('names the first line of a continued requirement', () => {
    const { message } = refusal('flask==3.0.3\n\nrequests \\\n  @ https://evil.example/r.whl\n');
    expect(message).toMatch(/^requirements\.txt line 3: "requests @ https:\/\/evil\.example\/r\.whl" is a URL/);
  });
});
