import { buildTarball, buildZip, type TarFixtureEntry, type ZipFixtureEntry } from '@stagecraft/archive/testing';

export { buildZip };
export type ArchiveEntry = ZipFixtureEntry & TarFixtureEntry;

/** A gzip'd tar archive built in memory (npm pack puts everything under `package/`). */
export function buildTarGz(entries: readonly TarFixtureEntry[]): Promise<Buffer> {
  return buildTarball(entries); // gzip'd, entries dated the epoch unless they say otherwise
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
