/** A comma-separated setting (`a, b,,c`) as its non-empty, trimmed items. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
