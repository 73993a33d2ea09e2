import { checkSymlinkTarget, normalizeFileMode, sanitizeArchivePath } from './archive-path';
import { ArchiveRejection } from './archive-rejection';
import { DEFAULT_UNPACK_LIMITS } from './unpack-limits';

const limits = DEFAULT_UNPACK_LIMITS;
const tarPath = (name: string) => sanitizeArchivePath(name, limits, { backslashIsSeparator: false });
const zipPath = (name: string) => sanitizeArchivePath(name, limits, { backslashIsSeparator: true });

describe('sanitizeArchivePath', () => {
  it('makes entry paths relative and clean, and skips the root and macOS debris', () => {
    expect(tarPath('./package/./lib//index.js')).toBe('package/lib/index.js');
    expect(tarPath('package/')).toBe('package');
    expect(tarPath('./')).toBeNull();
    expect(tarPath('__MACOSX/._index.js')).toBeNull();
    expect(zipPath('app\\lib\\index.js')).toBe('app/lib/index.js');
    expect(tarPath('app\\index.js')).toBe('app\\index.js'); // a tar name may hold a backslash
  });

  it.each([
    ['package/../../evil', /^the archive entry "package\/\.\.\/\.\.\/evil" climbs out of the archive with "\.\."$/],
    ['/etc/cron.d/x', /has an absolute path$/],
    ['C:/Windows/x', /has an absolute path$/],
    ['a\0b', /has a NUL byte in its path$/],
    ['app/.wh.index.js', /has a whiteout name/],
    ['x'.repeat(4097), /^the archive entry "x{200}…" has a path longer than 4096 bytes$/],
  ])('refuses %j', (name, message) => {
    expect(() => tarPath(name)).toThrow(ArchiveRejection);
    expect(() => tarPath(name)).toThrow(message);
  });

  it('reads a zip backslash as a separator, so "..\\" climbs out there', () => {
    expect(() => zipPath('..\\evil')).toThrow(/climbs out of the archive/);
    expect(() => zipPath('C:\\evil')).toThrow(/has an absolute path/);
  });
});

describe('checkSymlinkTarget', () => {
  const check = (link: string, target: string, symlinks: string[] = []) =>
    checkSymlinkTarget(link, target, limits, (path) => symlinks.includes(path));

  it('allows targets that stay inside the tree', () => {
    expect(() => check('a/b/link', '../c')).not.toThrow();
    expect(() => check('link', './a/b')).not.toThrow();
  });

  it.each<[string, string, string[], RegExp]>([
    ['a/link', '../../etc/shadow', [], /points outside the package$/],
    ['link', '/etc/passwd', [], /points to an absolute path$/],
    ['link', '', [], /has an invalid target$/],
    ['c', 'd/..', ['d'], /passes through another symlink$/],
  ])('refuses %s → %s', (link, target, symlinks, message) => {
    expect(() => check(link, target, symlinks)).toThrow(ArchiveRejection);
    expect(() => check(link, target, symlinks)).toThrow(message);
  });
});

describe('normalizeFileMode', () => {
  it('keeps only whether a file is executable', () => {
    expect(normalizeFileMode(0o4777)).toBe(0o755);
    expect(normalizeFileMode(0o100600)).toBe(0o644);
    expect(normalizeFileMode(null)).toBe(0o644);
  });
});
