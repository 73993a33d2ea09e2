import { dirname } from 'node:path';

type ModuleCache = Record<string, NodeJS.Module | undefined>;

/**
 * Puts a stand-in for `specifier`, as the package `requiredFrom` resolves it, into the module
 * cache: whoever requires it gets an object that loads the real module the first time anything
 * reads from it, and reads through to it from then on (the cache then holds the real module).
 * For a module a library loads for a feature the platform never uses: without it, every process
 * would hold that module for nothing. Returns false, changing nothing, when either package is not
 * installed or the module is loaded already.
 */
export function deferModule(
  specifier: string,
  requiredFrom: string,
  cache: ModuleCache = require.cache,
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the point: loaded on first use
  load: (file: string) => unknown = (file) => require(file),
): boolean {
  let file: string;
  try {
    file = require.resolve(specifier, { paths: [dirname(require.resolve(requiredFrom))] });
  } catch {
    return false;
  }
  if (cache[file]) return false;
  let real: object | undefined;
  const target = (): object => {
    if (!real) {
      delete cache[file]; // so that `load` runs the module itself, which then takes this entry
      real = load(file) as object;
    }
    return real;
  };
  const standIn = new Proxy(
    {},
    {
      get: (_, key) => Reflect.get(target(), key),
      has: (_, key) => Reflect.has(target(), key),
      ownKeys: () => Reflect.ownKeys(target()),
      // The stand-in's own target has no properties: each must be reported configurable (a Proxy invariant).
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
  cache[file] = { id: file, filename: file, loaded: true, exports: standIn, children: [], paths: [] } as unknown as NodeJS.Module;
  return true;
}
