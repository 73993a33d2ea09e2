import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { constants, deflateRawSync, gzipSync } from 'node:zlib';

import {
  ArchiveWorkshop,
  commandExists,
  fileBytes,
  type Files,
  noise,
  repeat,
  sha256,
  streamedStoredZip,
  streamedTarGz,
  tally,
  tarHeader,
  tinyChunks,
  type ZipSpec,
} from '@stagecraft/archive/testing';

import { inspectPackage } from './inspect-package';
import type { InspectionResult, TechStack } from './package-inspection.types';

const MAX = 64 * 1024 * 1024;
const DESCRIPTOR_SIGNATURE = Buffer.from('PK\x07\x08', 'latin1');

type ZipWriting = Omit<ZipSpec, 'kind' | 'files'>;
// Written to a pipe, Python's zipfile gives every entry a data descriptor; to a file, sizes in the local headers.
const DEFLATED_TO_FILE: ZipWriting = { seekable: true, method: 'deflated' };
const DEFLATED_TO_PIPE: ZipWriting = { seekable: false, method: 'deflated' };
const STORED_TO_FILE: ZipWriting = { seekable: true, method: 'stored' };
const STORED_TO_PIPE: ZipWriting = { seekable: false, method: 'stored' };

const EXEC_JAR = { 'com/example/Main.class': Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 61]) };
const NODE_APP = { 'package.json': '{"name":"demo","version":"1.0.0"}', 'index.js': 'console.log("hi")\n' };

type Expected =
  | { status: 'READY'; techStack: TechStack; format: 'zip' | 'tar.gz' | 'tar'; evidence: string | RegExp }
  | { status: 'REJECTED'; reason: string | RegExp };

interface Case {
  name: string;
  file: () => string;
  declared?: TechStack;
  expected: Expected;
}

const workshop = new ArchiveWorkshop();
const hasZipCli = commandExists('zip');
const paths = new Map<string, string>();
const archive = (name: string) => () => {
  const path = paths.get(name);
  if (!path) throw new Error(`fixture ${name} was not built`);
  return path;
};

beforeAll(async () => {
  const builds: Array<Promise<unknown>> = [];
  const add = (name: string, path: string | Promise<string>) =>
    builds.push(Promise.resolve(path).then((built) => paths.set(name, built)));
  // The JDK's jar tool: deflated entries with data descriptors, directory entries, a generated manifest.
  add('exec.jar', workshop.jar('exec.jar', EXEC_JAR, 'com.example.Main'));
  add('library.jar', workshop.jar('library.jar', { 'com/example/Util.class': EXEC_JAR['com/example/Main.class'] }));
  add('app.war', workshop.jar('app.war', { 'WEB-INF/web.xml': '<web-app/>', 'index.jsp': '<html/>' }));
  add(
    'boot.war',
    workshop.jar(
      'boot.war',
      { 'WEB-INF/classes/App.class': 'x', 'org/springframework/boot/loader/WarLauncher.class': 'x' },
      'org.springframework.boot.loader.WarLauncher',
    ),
  );
  add('npm.tgz', workshop.npmPack(NODE_APP));
  add('gnu.tar.gz', workshop.gnuTarGz('gnu.tar.gz', NODE_APP));
  if (hasZipCli) add('infozip-pipe.zip', workshop.zipToPipe('infozip-pipe.zip', { 'app/package.json': '{}', 'app/main.js': '' }));

  const pythonZip = (name: string, writing: ZipWriting, files: Files) =>
    paths.set(name, workshop.python(name, { kind: 'zip', ...writing, files }));
  const pythonTar = (name: string, writing: { gzip: boolean }, files: Files) =>
    paths.set(name, workshop.python(name, { kind: 'tar', ...writing, files }));
  pythonZip('root-package.zip', DEFLATED_TO_FILE, NODE_APP);
  pythonZip('top-folder-package.zip', DEFLATED_TO_PIPE, { 'demo-1.0/package.json': '{}', 'demo-1.0/src/index.js': '' });
  pythonZip('macos-package.zip', DEFLATED_TO_FILE, {
    'demo/package.json': '{}',
    '__MACOSX/demo/._package.json': 'x',
    'demo/.DS_Store': 'x',
  });
  pythonZip('requirements.zip', STORED_TO_FILE, { 'requirements.txt': 'flask\n', 'app.py': '' });
  pythonZip('pyproject.zip', DEFLATED_TO_PIPE, { 'pyproject.toml': '[project]\n', 'src/app.py': '' });
  pythonZip('setup-py.zip', STORED_TO_PIPE, { 'proj/setup.py': 'from setuptools import setup\n' });
  // A runnable Python folder (what the PYTHON image runs with `python3 /app`), no requirements file.
  pythonZip('python-main.zip', DEFLATED_TO_FILE, { '__main__.py': 'print("hi")\n', 'handlers.py': '' });
  pythonZip('python-main-in-folder.zip', DEFLATED_TO_PIPE, { 'svc-1.0/__main__.py': 'print("hi")\n', 'svc-1.0/svc/util.py': '' });
  pythonTar('python-main.tgz', { gzip: true }, { '__main__.py': 'print("hi")\n' });
  pythonZip('demo-1.0-py3-none-any.whl', DEFLATED_TO_FILE, {
    'demo/__init__.py': '',
    'demo-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: demo\n',
    'demo-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\n',
    'demo-1.0.dist-info/RECORD': '',
  });
  pythonZip('composer.zip', DEFLATED_TO_FILE, { 'composer.json': '{}', 'public/index.php': '<?php' });
  pythonTar('php-sources.tgz', { gzip: true }, { 'site/index.php': '<?php echo 1;', 'site/lib/db.php': '<?php' });
  pythonTar('requirements.tar', { gzip: false }, { 'svc/requirements.txt': 'django\n', 'svc/manage.py': '' });
  pythonZip('node-with-php.zip', DEFLATED_TO_FILE, { 'package.json': '{}', 'fixtures/legacy.php': '<?php' });
  pythonZip('laravel.zip', DEFLATED_TO_PIPE, {
    'composer.json': '{}',
    'package.json': '{"devDependencies":{"vite":"*"}}',
    'public/index.php': '<?php',
  });
  pythonTar('django.tgz', { gzip: true }, { 'requirements.txt': 'django', 'package.json': '{}', 'manage.py': '' });
  pythonZip('nested-only.zip', DEFLATED_TO_FILE, { 'README.md': '# hi', 'vendor/lib/package.json': '{}', 'tools/setup.py': '' });
  pythonZip('two-top-folders.zip', DEFLATED_TO_FILE, { 'a/package.json': '{}', 'b/package.json': '{}' });
  pythonZip('docs-only.zip', DEFLATED_TO_FILE, { 'README.md': '# docs', LICENSE: 'MIT' });
  pythonZip('empty.zip', STORED_TO_FILE, {});
  // Cases unzipper 0.12.5 fails on: the descriptor signature inside stored data, and inside deflated
  // data (incompressible bytes go into stored deflate blocks verbatim).
  pythonZip('stored-descriptor-signature.zip', STORED_TO_PIPE, {
    'blob.bin': Buffer.concat([noise(3000), DESCRIPTOR_SIGNATURE, noise(3000, 7)]),
    'package.json': '{}',
  });
  pythonZip('deflated-descriptor-signature.zip', DEFLATED_TO_PIPE, {
    'blob.bin': Buffer.concat([noise(20_000), DESCRIPTOR_SIGNATURE, noise(20_000, 9)]),
    'package.json': '{}',
  });
  pythonZip(
    'zip64-descriptors.jar',
    { ...DEFLATED_TO_PIPE, zip64: true },
    { 'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\r\nMain-Class: demo.Main\r\n\r\n', 'demo/Main.class': 'x' },
  );
  pythonZip('stored-manifest.jar', STORED_TO_PIPE, {
    'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\nMain-Class: demo.Stored\n\n',
    'demo/Stored.class': 'x',
  });
  pythonZip('compressible.zip', DEFLATED_TO_PIPE, { 'blob.txt': 'lorem ipsum dolor '.repeat(5000), 'package.json': '{}' });
  builds.push(workshop.flushPython());
  await Promise.all(builds);

  paths.set('text.txt', workshop.bytes('text.txt', 'just some text, no archive here\n'.repeat(40)));
  paths.set('random.bin', workshop.bytes('random.bin', noise(70_000, 3)));
  paths.set('empty', workshop.bytes('empty', ''));
  paths.set('gzip-text.gz', workshop.bytes('gzip-text.gz', gzipSync('hello, not a tar\n'.repeat(100))));
  const jar = fileBytes(archive('exec.jar')());
  paths.set('truncated.jar', workshop.bytes('truncated.jar', jar.subarray(0, Math.floor(jar.length / 2))));
  paths.set('no-end-record.jar', workshop.bytes('no-end-record.jar', jar.subarray(0, jar.length - 22)));
  const tar = Buffer.from(fileBytes(archive('requirements.tar')()));
  paths.set('truncated.tar', workshop.bytes('truncated.tar', tar.subarray(0, 1024 + 512 + 100)));
  tar.fill(0x41, 1024 + 148, 1024 + 156); // the second header's checksum
  paths.set('bad-header.tar', workshop.bytes('bad-header.tar', tar));
  const tgz = fileBytes(archive('npm.tgz')());
  paths.set('truncated.tgz', workshop.bytes('truncated.tgz', tgz.subarray(0, tgz.length - 30)));
  // The first byte of blob.txt's deflate data (after a 30-byte header and its 8-byte name) made
  // to announce block type 3, which does not exist.
  const corrupt = Buffer.from(fileBytes(archive('compressible.zip')()));
  corrupt[38] = 0xff;
  paths.set('corrupt-deflate.zip', workshop.bytes('corrupt-deflate.zip', corrupt));
}, 60_000);

afterAll(() => workshop.remove());

const ready = (techStack: TechStack, format: 'zip' | 'tar.gz' | 'tar', evidence: string | RegExp): Expected => ({
  status: 'READY',
  techStack,
  format,
  evidence,
});
const rejected = (reason: string | RegExp): Expected => ({ status: 'REJECTED', reason });
const NO_STACK =
  /^no tech stack found in the zip archive \(\d+ entries\): looked for WEB-INF\/ \(TOMCAT\); .*package\.json \(NODEJS\) at the root, under package\/ or under a single top-level folder; \*\.php sources anywhere \(PHP\)$/;

const CASES: Case[] = [
  // What each kind of package is.
  {
    name: 'executable jar (jar --main-class)',
    file: archive('exec.jar'),
    expected: ready('JAVA', 'zip', 'META-INF/MANIFEST.MF has Main-Class com.example.Main'),
  },
  {
    name: 'library jar without Main-Class',
    file: archive('library.jar'),
    expected: rejected('a JAR without Main-Class cannot run: META-INF/MANIFEST.MF has no Main-Class attribute'),
  },
  { name: 'war', file: archive('app.war'), expected: ready('TOMCAT', 'zip', /^WEB-INF\/ entries such as WEB-INF\//) },
  {
    name: 'npm pack tgz (package/ prefix)',
    file: archive('npm.tgz'),
    expected: ready('NODEJS', 'tar.gz', 'package/package.json'),
  },
  { name: 'GNU tar.gz with ./ names', file: archive('gnu.tar.gz'), expected: ready('NODEJS', 'tar.gz', 'package.json') },
  {
    name: 'zip with package.json at the root',
    file: archive('root-package.zip'),
    expected: ready('NODEJS', 'zip', 'package.json'),
  },
  {
    name: 'zip with package.json under one top folder (data descriptors)',
    file: archive('top-folder-package.zip'),
    expected: ready('NODEJS', 'zip', 'demo-1.0/package.json'),
  },
  {
    name: 'macOS zip: __MACOSX and .DS_Store do not count as folders',
    file: archive('macos-package.zip'),
    expected: ready('NODEJS', 'zip', 'demo/package.json'),
  },
  {
    name: 'zip with requirements.txt (stored)',
    file: archive('requirements.zip'),
    expected: ready('PYTHON', 'zip', 'requirements.txt'),
  },
  {
    name: 'zip with pyproject.toml (data descriptors)',
    file: archive('pyproject.zip'),
    expected: ready('PYTHON', 'zip', 'pyproject.toml'),
  },
  {
    name: 'zip with setup.py in a top folder (stored, data descriptors)',
    file: archive('setup-py.zip'),
    expected: ready('PYTHON', 'zip', 'proj/setup.py'),
  },
  {
    name: 'zip with a top-level __main__.py and no requirements file',
    file: archive('python-main.zip'),
    expected: ready('PYTHON', 'zip', '__main__.py, a runnable Python folder'),
  },
  {
    name: 'zip with __main__.py under one top folder (data descriptors)',
    file: archive('python-main-in-folder.zip'),
    expected: ready('PYTHON', 'zip', 'svc-1.0/__main__.py, a runnable Python folder'),
  },
  {
    name: 'tgz with only __main__.py',
    file: archive('python-main.tgz'),
    expected: ready('PYTHON', 'tar.gz', '__main__.py, a runnable Python folder'),
  },
  {
    name: 'wheel',
    file: archive('demo-1.0-py3-none-any.whl'),
    expected: ready('PYTHON', 'zip', /^wheel metadata demo-1\.0\.dist-info\/(METADATA|WHEEL)$/),
  },
  { name: 'zip with composer.json', file: archive('composer.zip'), expected: ready('PHP', 'zip', 'composer.json') },
  {
    name: 'tgz with only .php files',
    file: archive('php-sources.tgz'),
    expected: ready('PHP', 'tar.gz', '2 PHP sources such as site/index.php'),
  },
  {
    name: 'plain tar with requirements.txt',
    file: archive('requirements.tar'),
    expected: ready('PYTHON', 'tar', 'svc/requirements.txt'),
  },
  {
    name: 'jar written with zip64 data descriptors',
    file: archive('zip64-descriptors.jar'),
    expected: ready('JAVA', 'zip', 'META-INF/MANIFEST.MF has Main-Class demo.Main'),
  },
  {
    name: 'jar with a stored manifest of unknown size',
    file: archive('stored-manifest.jar'),
    expected: ready('JAVA', 'zip', 'META-INF/MANIFEST.MF has Main-Class demo.Stored'),
  },
  {
    name: 'descriptor signature inside stored data',
    file: archive('stored-descriptor-signature.zip'),
    expected: ready('NODEJS', 'zip', 'package.json'),
  },
  {
    name: 'descriptor signature inside deflated data',
    file: archive('deflated-descriptor-signature.zip'),
    expected: ready('NODEJS', 'zip', 'package.json'),
  },
  ...(hasZipCli
    ? [
        {
          name: 'Info-ZIP zip written to a pipe',
          file: archive('infozip-pipe.zip'),
          expected: ready('NODEJS', 'zip', 'app/package.json'),
        },
      ]
    : []),

  // Precedence when several stacks match (see PRECEDENCE in stack-detector.ts).
  {
    name: 'WEB-INF beats Main-Class (Spring Boot executable war)',
    file: archive('boot.war'),
    expected: ready('TOMCAT', 'zip', /^WEB-INF\//),
  },
  {
    name: 'a Node package with a stray .php file is NODEJS',
    file: archive('node-with-php.zip'),
    expected: ready('NODEJS', 'zip', 'package.json'),
  },
  {
    name: 'composer.json beats a front-end package.json (Laravel)',
    file: archive('laravel.zip'),
    expected: ready('PHP', 'zip', 'composer.json'),
  },
  {
    name: 'requirements.txt beats a front-end package.json (Django)',
    file: archive('django.tgz'),
    expected: ready('PYTHON', 'tar.gz', 'requirements.txt'),
  },

  // Placement: manifests deep in the tree say nothing about the package.
  { name: 'package.json only under vendor/', file: archive('nested-only.zip'), expected: rejected(NO_STACK) },
  { name: 'package.json in two top folders', file: archive('two-top-folders.zip'), expected: rejected(NO_STACK) },
  { name: 'zip with no stack', file: archive('docs-only.zip'), expected: rejected(NO_STACK) },
  {
    name: 'empty zip',
    file: archive('empty.zip'),
    expected: rejected(/^no tech stack found in the zip archive \(it is empty\): looked for /),
  },

  // Declared stacks.
  {
    name: 'declared JAVA, executable jar',
    file: archive('exec.jar'),
    declared: 'JAVA',
    expected: ready('JAVA', 'zip', /Main-Class com\.example\.Main/),
  },
  {
    name: 'declared NODEJS, executable jar',
    file: archive('exec.jar'),
    declared: 'NODEJS',
    expected: rejected('declared NODEJS but the contents look like JAVA (META-INF/MANIFEST.MF has Main-Class com.example.Main)'),
  },
  {
    name: 'declared NODEJS, npm tgz',
    file: archive('npm.tgz'),
    declared: 'NODEJS',
    expected: ready('NODEJS', 'tar.gz', 'package/package.json'),
  },
  {
    name: 'declared PYTHON, npm tgz',
    file: archive('npm.tgz'),
    declared: 'PYTHON',
    expected: rejected('declared PYTHON but the contents look like NODEJS (package/package.json)'),
  },
  {
    name: 'declared JAVA, Spring Boot war (Main-Class present)',
    file: archive('boot.war'),
    declared: 'JAVA',
    expected: ready('JAVA', 'zip', /WarLauncher/),
  },
  {
    name: 'declared JAVA, plain war',
    file: archive('app.war'),
    declared: 'JAVA',
    expected: rejected(/^declared JAVA but the contents look like TOMCAT \(WEB-INF\//),
  },
  {
    name: 'declared PHP, Node package with a .php file',
    file: archive('node-with-php.zip'),
    declared: 'PHP',
    expected: ready('PHP', 'zip', '1 PHP source such as fixtures/legacy.php'),
  },
  {
    name: 'declared JAVA, library jar',
    file: archive('library.jar'),
    declared: 'JAVA',
    expected: rejected(/^a JAR without Main-Class cannot run/),
  },
  {
    name: 'declared TOMCAT, library jar',
    file: archive('library.jar'),
    declared: 'TOMCAT',
    expected: rejected(/^declared TOMCAT but the contents look like JAVA \(a JAR without Main-Class cannot run/),
  },
  {
    name: 'declared PHP, zip with no stack',
    file: archive('docs-only.zip'),
    declared: 'PHP',
    expected: rejected(/^declared PHP but no tech stack found in the zip archive/),
  },

  // Not archives, or broken ones.
  { name: 'a text file', file: archive('text.txt'), expected: rejected('not a zip or tar.gz archive') },
  { name: 'random bytes', file: archive('random.bin'), expected: rejected('not a zip or tar.gz archive') },
  { name: 'an empty stream', file: archive('empty'), expected: rejected('not a zip or tar.gz archive: the package is empty') },
  {
    name: 'gzip without a tar inside',
    file: archive('gzip-text.gz'),
    expected: rejected('not a zip or tar.gz archive: gzip data without a tar archive inside'),
  },
  {
    name: 'declared JAVA, a text file',
    file: archive('text.txt'),
    declared: 'JAVA',
    expected: rejected('not a zip or tar.gz archive'),
  },
  { name: 'truncated jar', file: archive('truncated.jar'), expected: rejected(/^corrupt or truncated zip archive: it ends /) },
  {
    name: 'jar without its end record',
    file: archive('no-end-record.jar'),
    expected: rejected(/^corrupt or truncated zip archive: it ends /),
  },
  { name: 'truncated tgz', file: archive('truncated.tgz'), expected: rejected(/^corrupt or truncated tar\.gz archive: /) },
  {
    name: 'truncated tar',
    file: archive('truncated.tar'),
    expected: rejected('corrupt or truncated tar archive: Unexpected end of data'),
  },
  {
    name: 'tar with a damaged header',
    file: archive('bad-header.tar'),
    expected: rejected(/^corrupt or truncated tar archive: Invalid tar header/),
  },
  {
    name: 'corrupt deflate data',
    file: archive('corrupt-deflate.zip'),
    expected: rejected(/^corrupt zip archive: blob\.txt has invalid deflate data \(invalid block type\)$/),
  },
];

function expectResult(result: InspectionResult, expected: Expected, bytes: Buffer): void {
  if (expected.status === 'READY') {
    expect(result).toEqual({
      status: 'READY',
      sha256: sha256(bytes),
      sizeBytes: bytes.length,
      techStack: expected.techStack,
      format: expected.format,
      evidence: expect.stringMatching(
        typeof expected.evidence === 'string' ? `^${escape(expected.evidence)}$` : expected.evidence,
      ),
    });
  } else {
    // Even a rejected package is read to its end: sha256 and size are of every byte.
    expect(result).toEqual({
      status: 'REJECTED',
      sha256: sha256(bytes),
      sizeBytes: bytes.length,
      reason: expect.stringMatching(typeof expected.reason === 'string' ? `^${escape(expected.reason)}$` : expected.reason),
    });
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('inspectPackage over real archives', () => {
  it.each(CASES)('$name (file stream)', async ({ file, declared, expected }) => {
    const path = file();
    const result = await inspectPackage(createReadStream(path), { maxBytes: MAX, declared });
    expectResult(result, expected, fileBytes(path));
  });

  it.each(CASES)('$name (1–16 byte chunks)', async ({ file, declared, expected }) => {
    const bytes = fileBytes(file());
    const result = await inspectPackage(tinyChunks(bytes), { maxBytes: MAX, declared });
    expectResult(result, expected, bytes);
  });

  // jar, python3, tar and npm are required; Info-ZIP's zip is optional here, so say when it was not run.
  if (!hasZipCli) it.skip('Info-ZIP zip written to a pipe (zip is not installed here)', () => undefined);
});

describe('inspectPackage limits and failures', () => {
  it('accepts exactly maxBytes and rejects one byte less, with sha256 null', async () => {
    const bytes = fileBytes(archive('npm.tgz')());
    const exact = await inspectPackage(Readable.from([bytes]), { maxBytes: bytes.length });
    expect(exact.status).toBe('READY');
    const over = await inspectPackage(Readable.from([bytes]), { maxBytes: bytes.length - 1 });
    expect(over).toEqual({
      status: 'REJECTED',
      sha256: null,
      sizeBytes: bytes.length,
      reason: `larger than the limit of ${bytes.length - 1} bytes`,
    });
  });

  it('stops reading at once past maxBytes, and destroys the source', async () => {
    const limit = 8 * 1024 * 1024;
    const seen = tally();
    const endless = streamedStoredZip([{ name: 'huge.bin', chunks: () => repeat(noise(1 << 20), 1 << 30) }], seen);
    const source = Readable.from(endless);
    const started = Date.now();
    const result = await inspectPackage(source, { maxBytes: limit });
    expect(result).toEqual({
      status: 'REJECTED',
      sha256: null,
      sizeBytes: expect.any(Number),
      reason: `larger than the limit of ${limit} bytes`,
    });
    // Readable.from reads ahead up to 16 chunks of 64 KiB; nothing beyond that was produced.
    expect(seen.bytes).toBeGreaterThan(limit);
    expect(seen.bytes).toBeLessThan(limit + 2 * 1024 * 1024);
    expect(source.destroyed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('drains and hashes the whole stream after the archive turned out corrupt', async () => {
    const seen = tally();
    function* corruptThenMore(): Generator<Buffer> {
      // A jar cut after 300 bytes, then noise where its next entries should be.
      yield seen.add(fileBytes(archive('exec.jar')()).subarray(0, 300));
      for (const chunk of repeat(noise(1 << 20, 5), 16 << 20)) yield seen.add(chunk);
    }
    const result = await inspectPackage(Readable.from(corruptThenMore()), { maxBytes: MAX });
    expect(result.status).toBe('REJECTED');
    expect(result.sha256).toBe(seen.sha256());
    expect(result.sizeBytes).toBe(seen.bytes);
    expect(seen.bytes).toBe(300 + (16 << 20));
  });

  it('rejects a gzip bomb before unpacking it', async () => {
    // One gzip member holding a tar header for a 1 TiB file, then the same 1 MiB of zeros as
    // 4096 small gzip members: about 4 MiB that would unpack to 4 GiB.
    const zeros = gzipSync(Buffer.alloc(1 << 20), { level: 9 });
    const seen = tally();
    function* bomb(): Generator<Buffer> {
      yield seen.add(gzipSync(tarHeader('bomb.bin', 2 ** 40)));
      for (let i = 0; i < 4096; i++) yield seen.add(zeros);
    }
    const started = Date.now();
    const result = await inspectPackage(Readable.from(bomb()), { maxBytes: MAX });
    expect(result).toEqual({
      status: 'REJECTED',
      sha256: seen.sha256(),
      sizeBytes: seen.bytes,
      reason: expect.stringMatching(/^the tar\.gz archive unpacks to more than 200 times its size .*decompression bomb$/),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects a zip bomb (an entry of unknown size inflating without end) before unpacking it', async () => {
    // Sync-flushed deflate segments concatenate into one valid deflate stream: 1 MiB of zeros
    // each, in about 1 KiB, repeated without a final block.
    const segment = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_SYNC_FLUSH });
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(0x0008, 6); // sizes in a data descriptor
    header.writeUInt16LE(8, 8); // deflated
    header.writeUInt16LE(8, 26);
    const seen = tally();
    function* bomb(): Generator<Buffer> {
      yield seen.add(Buffer.concat([header, Buffer.from('zero.bin')]));
      for (let i = 0; i < 4096; i++) yield seen.add(segment);
    }
    const result = await inspectPackage(Readable.from(bomb()), { maxBytes: MAX });
    expect(result).toEqual({
      status: 'REJECTED',
      sha256: seen.sha256(),
      sizeBytes: seen.bytes,
      reason: expect.stringMatching(/^the zip archive unpacks to more than 200 times its size .*decompression bomb$/),
    });
  });

  it('rejects (does not answer REJECTED) when the source stream itself fails', async () => {
    const failure = new Error('connection reset by S3');
    let sent = false;
    const source = new Readable({
      read() {
        if (sent) {
          this.destroy(failure);
          return;
        }
        sent = true;
        this.push(fileBytes(archive('exec.jar')()).subarray(0, 400));
      },
    });
    await expect(inspectPackage(source, { maxBytes: MAX })).rejects.toBe(failure);
  });

  it('refuses a nonsensical maxBytes', async () => {
    await expect(inspectPackage(Readable.from([]), { maxBytes: -1 })).rejects.toThrow(TypeError);
  });
});

/**
 * Inspects a package produced chunk by chunk, sampling the process's RSS as each chunk is taken:
 * the result, and how far the RSS rose above what it was before.
 */
async function inspectWatchingMemory(chunks: Iterable<Buffer>): Promise<{ result: InspectionResult; rssGrowth: number }> {
  let peakRss = 0;
  function* sampled(): Generator<Buffer> {
    for (const chunk of chunks) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      yield chunk;
    }
  }
  const baseline = process.memoryUsage().rss;
  const result = await inspectPackage(Readable.from(sampled()), { maxBytes: 2 ** 31 });
  return { result, rssGrowth: peakRss - baseline };
}

describe('inspectPackage on large packages', () => {
  it('checks its own streamed zip writer against Python zipfile', () => {
    const blob = Buffer.concat([noise(5000), DESCRIPTOR_SIGNATURE, noise(5000, 2)]);
    const bytes = Buffer.concat([
      ...streamedStoredZip([
        { name: 'package.json', chunks: () => [Buffer.from('{}')] },
        { name: 'blob.bin', chunks: () => repeat(blob, 100_000, 4096) },
      ]),
    ]);
    const path = workshop.bytes('streamed-check.zip', bytes);
    const check = `import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(','.join(z.namelist()))`;
    expect(execFileSync('python3', ['-c', check, path], { encoding: 'utf8' }).trim()).toBe('package.json,blob.bin');
    const tgz = Buffer.concat([...streamedTarGz([{ name: 'app/package.json', chunks: () => [Buffer.from('{}')] }], [2])]);
    const tgzPath = workshop.bytes('streamed-check.tgz', tgz);
    expect(execFileSync('tar', ['-tzf', tgzPath], { encoding: 'utf8' }).trim()).toBe('app/package.json');
  });

  it('reads a 200 MiB zip in bounded memory', async () => {
    // A repeated 1 MiB block that carries a descriptor signature, so the scan meets 200 false ones.
    const block = Buffer.concat([noise(500_000, 11), DESCRIPTOR_SIGNATURE, noise((1 << 20) - 500_004, 12)]);
    const size = 200 * 1024 * 1024;
    const seen = tally();
    const zip = streamedStoredZip(
      [
        { name: 'app/package.json', chunks: () => [Buffer.from('{"name":"big"}')] },
        { name: 'app/data/blob.bin', chunks: () => repeat(block, size) },
      ],
      seen,
    );
    const started = Date.now();
    const { result, rssGrowth } = await inspectWatchingMemory(zip);
    const seconds = (Date.now() - started) / 1000;
    expect(result).toEqual({
      status: 'READY',
      sha256: seen.sha256(),
      sizeBytes: seen.bytes,
      techStack: 'NODEJS',
      format: 'zip',
      evidence: 'app/package.json',
    });
    expect(seen.bytes).toBeGreaterThan(size);
    expect(rssGrowth).toBeLessThan(64 * 1024 * 1024);
    expect(seconds).toBeLessThan(10);
  });

  it('reads a 64 MiB tar.gz in bounded memory', async () => {
    const size = 64 * 1024 * 1024;
    const seen = tally();
    const tgz = streamedTarGz(
      [
        { name: 'svc/pyproject.toml', chunks: () => [Buffer.from('[project]\n')] },
        { name: 'svc/model.bin', chunks: () => repeat(noise(1 << 20, 13), size) },
      ],
      [10, size],
      seen,
    );
    const { result, rssGrowth } = await inspectWatchingMemory(tgz);
    expect(result).toEqual({
      status: 'READY',
      sha256: seen.sha256(),
      sizeBytes: seen.bytes,
      techStack: 'PYTHON',
      format: 'tar.gz',
      evidence: 'svc/pyproject.toml',
    });
    expect(rssGrowth).toBeLessThan(64 * 1024 * 1024);
  });
});
