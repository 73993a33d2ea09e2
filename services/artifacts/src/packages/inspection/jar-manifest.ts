/**
 * The Main-Class of a JAR manifest, or null. Only the main section counts (it ends at the first
 * empty line; later sections describe single entries). Lines longer than 72 bytes continue on
 * lines that start with one space. Attribute names are case-insensitive, as java.util.jar reads them.
 */
export function readMainClass(manifest: Buffer): string | null {
  const text = manifest.toString('utf8').replace(/^\uFEFF/, '');
  const attributes: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') break;
    if (line.startsWith(' ') && attributes.length > 0) attributes[attributes.length - 1] += line.slice(1);
    else attributes.push(line);
  }
  for (const attribute of attributes) {
    const match = /^main-class:\s*(.*)$/i.exec(attribute);
    const value = match?.[1]?.trim();
    if (value) return value;
  }
  return null;
}
