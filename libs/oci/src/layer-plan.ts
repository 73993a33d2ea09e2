import { type LayerEntry, LayerError, normalizeLayerPath } from './layer-entry';

export interface LayerOwnership {
  uid: number;
  gid: number;
  fileMode: number;
  directoryMode: number;
}

export type PlannedEntry = {
  path: string;
  mode: number;
  uid: number;
  gid: number;
} & (
  | { type: 'directory' }
  | { type: 'symlink'; target: string }
  | { type: 'file'; size: number; content: Buffer }
  | { type: 'file'; size: number; open: Extract<LayerEntry, { open: unknown }>['open'] }
);

/**
 * The tar's table of contents: paths normalized, every parent directory present (implied ones
 * get the default mode and owner), sorted by path so parents precede children, no duplicates.
 */
export function planLayer(entries: readonly LayerEntry[], ownership: LayerOwnership): PlannedEntry[] {
  const byPath = new Map<string, PlannedEntry>();
  for (const entry of entries) {
    const planned = plan(entry, ownership);
    const existing = byPath.get(planned.path);
    if (existing) {
      if (existing.type === 'directory' && planned.type === 'directory') continue;
      throw new LayerError(`the path /${planned.path} is given twice`);
    }
    byPath.set(planned.path, planned);
  }
  for (const path of [...byPath.keys()]) {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const parent = path.slice(0, slash);
      const existing = byPath.get(parent);
      if (existing && existing.type !== 'directory') {
        throw new LayerError(`/${parent} is a ${existing.type} but /${path} is inside it`);
      }
      if (!existing) {
        byPath.set(parent, {
          type: 'directory',
          path: parent,
          mode: ownership.directoryMode,
          uid: ownership.uid,
          gid: ownership.gid,
        });
      }
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function plan(entry: LayerEntry, o: LayerOwnership): PlannedEntry {
  const path = normalizeLayerPath(entry.path);
  switch (entry.type) {
    case 'directory':
      return {
        type: 'directory',
        path,
        mode: mode(entry.mode, o.directoryMode),
        uid: entry.uid ?? o.uid,
        gid: entry.gid ?? o.gid,
      };
    case 'symlink':
      if (entry.target === '' || entry.target.includes('\0')) throw new LayerError(`the symlink /${path} has an invalid target`);
      return { type: 'symlink', path, target: entry.target, mode: 0o777, uid: o.uid, gid: o.gid };
    case 'file': {
      const base = { type: 'file' as const, path, mode: mode(entry.mode, o.fileMode), uid: o.uid, gid: o.gid };
      if ('content' in entry) return { ...base, size: entry.content.length, content: entry.content };
      if (!Number.isSafeInteger(entry.size) || entry.size < 0) throw new LayerError(`the file /${path} has an invalid size`);
      return { ...base, size: entry.size, open: entry.open };
    }
  }
}

function mode(given: number | undefined, fallback: number): number {
  return (given ?? fallback) & 0o7777;
}
