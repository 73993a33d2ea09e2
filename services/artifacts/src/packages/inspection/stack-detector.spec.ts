import { readMainClass } from './jar-manifest';
import type { ArchiveFormat, TechStack } from './package-inspection.types';
import { decideStack, PRECEDENCE, type StackDecision, StackDetector } from './stack-detector';

const EXECUTABLE = 'Manifest-Version: 1.0\r\nMain-Class: com.example.Main\r\n\r\n';
const LIBRARY = 'Manifest-Version: 1.0\r\nCreated-By: 17 (Oracle)\r\n\r\n';

/** Entry names; `[name, content]` for the one entry whose content is read (the manifest). */
type Entry = string | [string, string];

function decide(format: ArchiveFormat, entries: Entry[], declared?: TechStack): StackDecision {
  const detector = new StackDetector(format);
  for (const entry of entries) {
    const [name, content] = typeof entry === 'string' ? [entry, undefined] : entry;
    const wanted = detector.entry(name, name.endsWith('/'));
    if (wanted) detector.content(name, Buffer.from(content ?? ''));
  }
  return decideStack(detector.findings(), declared);
}

const ok = (techStack: TechStack, evidence: string): StackDecision => ({ ok: true, techStack, evidence });
const no = (reason: string | RegExp) => ({
  ok: false,
  reason: typeof reason === 'string' ? reason : expect.stringMatching(reason),
});

const EXECUTABLE_MANIFEST: Entry = ['META-INF/MANIFEST.MF', EXECUTABLE];
const LIBRARY_MANIFEST: Entry = ['META-INF/MANIFEST.MF', LIBRARY];
const RUNS_MAIN_CLASS = ok('JAVA', 'META-INF/MANIFEST.MF has Main-Class com.example.Main');
const runnableFolder = (mainPath: string) => ok('PYTHON', `${mainPath}, a runnable Python folder`);
const NO_STACK_FOUND = no(/^no tech stack found/);

describe('tech stack precedence', () => {
  // Each row: the archive's entries, what wins, and why (the rules are in stack-detector.ts).
  const rows: Array<[string, ArchiveFormat, Entry[], StackDecision | ReturnType<typeof no>]> = [
    [
      'a WAR is TOMCAT',
      'zip',
      ['META-INF/', LIBRARY_MANIFEST, 'WEB-INF/', 'WEB-INF/web.xml'],
      ok('TOMCAT', 'WEB-INF/ entries such as WEB-INF/web.xml'),
    ],
    [
      'WEB-INF beats Main-Class: an executable WAR is still deployed to a servlet container',
      'zip',
      [EXECUTABLE_MANIFEST, 'WEB-INF/classes/App.class'],
      ok('TOMCAT', 'WEB-INF/ entries such as WEB-INF/classes/App.class'),
    ],
    ['Main-Class makes a JAR JAVA', 'zip', [EXECUTABLE_MANIFEST, 'com/example/Main.class'], RUNS_MAIN_CLASS],
    ['Main-Class beats a package.json bundled as a resource', 'zip', [EXECUTABLE_MANIFEST, 'package.json'], RUNS_MAIN_CLASS],
    [
      'a wheel is PYTHON',
      'zip',
      ['demo/__init__.py', 'demo-1.0.dist-info/WHEEL'],
      ok('PYTHON', 'wheel metadata demo-1.0.dist-info/WHEEL'),
    ],
    [
      'composer.json beats a front-end package.json (Laravel)',
      'zip',
      ['package.json', 'composer.json', 'artisan'],
      ok('PHP', 'composer.json'),
    ],
    ['composer.json beats a docs requirements.txt', 'tar.gz', ['requirements.txt', 'composer.json'], ok('PHP', 'composer.json')],
    [
      'requirements.txt beats a front-end package.json (Django)',
      'tar.gz',
      ['package.json', 'requirements.txt', 'manage.py'],
      ok('PYTHON', 'requirements.txt'),
    ],
    ['pyproject.toml alone is PYTHON', 'zip', ['pyproject.toml', 'src/app/__init__.py'], ok('PYTHON', 'pyproject.toml')],
    ['setup.py alone is PYTHON', 'tar', ['setup.py'], ok('PYTHON', 'setup.py')],
    [
      'a runnable Python folder: a top-level __main__.py without any requirements file',
      'zip',
      ['__main__.py', 'handlers.py'],
      runnableFolder('__main__.py'),
    ],
    [
      'a runnable Python folder wrapped in one top folder (the assembler strips it)',
      'zip',
      ['svc/', 'svc/__main__.py', 'svc/lib/db.py'],
      runnableFolder('svc/__main__.py'),
    ],
    ['a runnable Python folder as a tarball', 'tar.gz', ['./', './__main__.py'], runnableFolder('__main__.py')],
    [
      'requirements.txt is named before __main__.py',
      'zip',
      ['__main__.py', 'requirements.txt'],
      ok('PYTHON', 'requirements.txt'),
    ],
    [
      '__main__.py beats a front-end package.json',
      'zip',
      ['package.json', '__main__.py', 'static/app.js'],
      runnableFolder('__main__.py'),
    ],
    ['composer.json beats __main__.py', 'zip', ['composer.json', '__main__.py'], ok('PHP', 'composer.json')],
    [
      'a package inside a folder is not runnable as the folder: python3 /app would not find it',
      'zip',
      ['README.md', 'mypkg/__init__.py', 'mypkg/__main__.py'],
      no(/^no tech stack found in the zip archive \(3 entries\)/),
    ],
    ['__main__.py in one of two top folders does not count', 'zip', ['a/__main__.py', 'b/util.py'], NO_STACK_FOUND],
    [
      '__main__.py under package/ beside other folders does not count (the assembler strips only a single top folder)',
      'tar.gz',
      ['package/__main__.py', 'docs/README.md'],
      NO_STACK_FOUND,
    ],
    ['a deeper __main__.py under a single top folder does not count', 'zip', ['app/', 'app/pkg/__main__.py'], NO_STACK_FOUND],
    ['package.json is NODEJS', 'zip', ['package.json', 'index.js'], ok('NODEJS', 'package.json')],
    [
      "npm's package/ prefix counts",
      'tar.gz',
      ['package/package.json', 'package/index.js'],
      ok('NODEJS', 'package/package.json'),
    ],
    [
      'package/ counts even beside other folders',
      'tar.gz',
      ['package/package.json', 'docs/README.md'],
      ok('NODEJS', 'package/package.json'),
    ],
    ['a single top folder counts', 'zip', ['app-1.0/', 'app-1.0/package.json'], ok('NODEJS', 'app-1.0/package.json')],
    ['./ and / prefixes are ignored', 'tar.gz', ['./', './package.json', '/index.js'], ok('NODEJS', 'package.json')],
    [
      'a stray .php file does not turn a Node package into PHP',
      'zip',
      ['package.json', 'test/fixture.php'],
      ok('NODEJS', 'package.json'),
    ],
    [
      '.php sources alone are PHP',
      'tar.gz',
      ['www/index.php', 'www/inc/db.PHP'],
      ok('PHP', '2 PHP sources such as www/index.php'),
    ],
    [
      'a library JAR cannot run',
      'zip',
      ['META-INF/', LIBRARY_MANIFEST, 'lib/Util.class'],
      no('a JAR without Main-Class cannot run: META-INF/MANIFEST.MF has no Main-Class attribute'),
    ],
    [
      'a library JAR with .php resources is still a library JAR',
      'zip',
      [LIBRARY_MANIFEST, 'templates/page.php'],
      no(/^a JAR without Main-Class cannot run/),
    ],
    [
      'the manifest path is matched without regard to case, as Java does',
      'zip',
      [['meta-inf/manifest.mf', EXECUTABLE]],
      RUNS_MAIN_CLASS,
    ],
    [
      'JAR and WAR layouts count only in zips',
      'tar.gz',
      ['WEB-INF/web.xml', 'META-INF/MANIFEST.MF'],
      no(/^no tech stack found in the tar\.gz archive \(2 entries\): looked for composer\.json/),
    ],
    [
      'manifests deeper than a project root do not count',
      'zip',
      ['README.md', 'node_modules/x/package.json', 'tools/setup.py'],
      no(/^no tech stack found in the zip archive \(3 entries\)/),
    ],
    ['a second top folder ends the single-top-folder rule', 'zip', ['a/package.json', 'b/README.md'], NO_STACK_FOUND],
    ['a root file ends the single-top-folder rule', 'zip', ['README.md', 'a/package.json'], NO_STACK_FOUND],
    [
      'macOS debris is not a second folder',
      'zip',
      ['app/package.json', '__MACOSX/app/._package.json', '.DS_Store'],
      ok('NODEJS', 'app/package.json'),
    ],
    [
      'an empty archive',
      'zip',
      [],
      no(
        /^no tech stack found in the zip archive \(it is empty\): looked for WEB-INF\/ \(TOMCAT\); META-INF\/MANIFEST.MF with Main-Class \(JAVA\); \*\.dist-info\/WHEEL or METADATA \(PYTHON wheel\); composer\.json \(PHP\) at the root, under package\/ or under a single top-level folder; requirements\.txt, pyproject\.toml or setup\.py \(PYTHON\) at the root, under package\/ or under a single top-level folder; __main__\.py \(PYTHON\) at the root or under a single top-level folder; package\.json \(NODEJS\) at the root, under package\/ or under a single top-level folder; \*\.php sources anywhere \(PHP\)$/,
      ),
    ],
  ];

  it.each(rows)('%s', (_why, format, entries, expected) => {
    expect(decide(format, entries)).toEqual(expected);
  });

  it('lists its rules in the documented order', () => {
    expect(PRECEDENCE.map((rule) => rule.stack)).toEqual([
      'TOMCAT',
      'JAVA',
      'PYTHON',
      'PHP',
      'PYTHON',
      'PYTHON',
      'NODEJS',
      null,
      'PHP',
    ]);
  });
});

describe('declared stacks', () => {
  const springBootWar: Entry[] = [EXECUTABLE_MANIFEST, 'WEB-INF/lib/spring.jar'];
  const rows: Array<[string, Entry[], TechStack, StackDecision | ReturnType<typeof no>]> = [
    ['declared as detected', ['package.json'], 'NODEJS', ok('NODEJS', 'package.json')],
    ['declared PYTHON, a runnable Python folder', ['__main__.py'], 'PYTHON', runnableFolder('__main__.py')],
    [
      'declared NODEJS, a runnable Python folder',
      ['__main__.py'],
      'NODEJS',
      no('declared NODEJS but the contents look like PYTHON (__main__.py, a runnable Python folder)'),
    ],
    ['declared picks among the stacks the contents support', springBootWar, 'JAVA', RUNS_MAIN_CLASS],
    ['declared PHP, a Node package with .php files', ['package.json', 'x.php'], 'PHP', ok('PHP', '1 PHP source such as x.php')],
    [
      'declared NODEJS, an executable JAR',
      [EXECUTABLE_MANIFEST],
      'NODEJS',
      no('declared NODEJS but the contents look like JAVA (META-INF/MANIFEST.MF has Main-Class com.example.Main)'),
    ],
    [
      'declared JAVA, a WAR without Main-Class',
      [LIBRARY_MANIFEST, 'WEB-INF/web.xml'],
      'JAVA',
      no('declared JAVA but the contents look like TOMCAT (WEB-INF/ entries such as WEB-INF/web.xml)'),
    ],
    [
      'declared JAVA, a library JAR',
      [LIBRARY_MANIFEST],
      'JAVA',
      no('a JAR without Main-Class cannot run: META-INF/MANIFEST.MF has no Main-Class attribute'),
    ],
    [
      'declared PYTHON, a library JAR',
      [LIBRARY_MANIFEST],
      'PYTHON',
      no(
        'declared PYTHON but the contents look like JAVA (a JAR without Main-Class cannot run: META-INF/MANIFEST.MF has no Main-Class attribute)',
      ),
    ],
    [
      'declared TOMCAT, nothing found',
      ['notes.txt'],
      'TOMCAT',
      no(/^declared TOMCAT but no tech stack found in the zip archive \(1 entries\)/),
    ],
  ];

  it.each(rows)('%s', (_why, entries, declared, expected) => {
    expect(decide('zip', entries, declared)).toEqual(expected);
  });
});

describe('readMainClass', () => {
  it.each([
    ['a plain attribute', 'Manifest-Version: 1.0\nMain-Class: a.B\n', 'a.B'],
    ['CRLF line ends and surrounding spaces', 'Manifest-Version: 1.0\r\nMain-Class:   a.B  \r\n\r\n', 'a.B'],
    ['a name in another case', 'main-class: a.B\n', 'a.B'],
    [
      'a value continued on the next line',
      'Main-Class: com.example.very.long.packag\n e.Main\n',
      'com.example.very.long.package.Main',
    ],
    ['a byte order mark', '\uFEFFMain-Class: a.B\n', 'a.B'],
    ['none', 'Manifest-Version: 1.0\nCreated-By: 17\n', null],
    ['an empty value', 'Main-Class: \n', null],
    ['only in a per-entry section, which does not count', 'Manifest-Version: 1.0\n\nName: a/B.class\nMain-Class: a.B\n', null],
    ['Main-Class-Path is another attribute', 'Main-Class-Path: x\n', null],
  ])('%s', (_why, manifest, expected) => {
    expect(readMainClass(Buffer.from(manifest))).toBe(expected);
  });
});
