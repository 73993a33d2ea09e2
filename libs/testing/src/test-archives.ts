import { crc32, gzipSync } from 'node:zlib';

import { pack } from 'tar-stream';

export interface ArchiveEntry {
  name: string;
  content?: string | Buffer;
}

/** A zip archive (stored entries) built in memory: enough for jar, war, wheel and zip fixtures. */
export function buildZip(entries: ArchiveEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = entry.content === undefined ? Buffer.alloc(0) : Buffer.from(entry.content);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A gzip'd tar archive built in memory (npm pack puts everything under `package/`). */
export async function buildTarGz(entries: ArchiveEntry[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  for (const entry of entries) {
    tar.entry({ name: entry.name, mtime: new Date(0) }, entry.content === undefined ? '' : Buffer.from(entry.content));
  }
  tar.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** An executable jar: a manifest naming the main class, and a class file. */
export function buildExecutableJar(mainClass = 'com.example.App', padding = 0): Buffer {
  return buildZip([
    { name: 'META-INF/MANIFEST.MF', content: `Manifest-Version: 1.0\r\nMain-Class: ${mainClass}\r\n\r\n` },
    {
      name: `${mainClass.replace(/\./g, '/')}.class`,
      content: Buffer.concat([Buffer.from([0xca, 0xfe, 0xba, 0xbe]), Buffer.alloc(padding)]),
    },
  ]);
}
