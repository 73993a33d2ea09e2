/** Entry names in messages are cut to this many characters: a name may be 64 KiB of junk. */
const MAX_SHOWN_NAME_CHARS = 200;

/** An entry name as messages and records show it: shortened, with an ellipsis when cut. */
export function shortName(name: string): string {
  return name.length > MAX_SHOWN_NAME_CHARS ? `${name.slice(0, MAX_SHOWN_NAME_CHARS)}…` : name;
}

/** An entry name quoted for a message: `"package/../evil"`. */
export function quotedName(name: string): string {
  return JSON.stringify(shortName(name));
}
