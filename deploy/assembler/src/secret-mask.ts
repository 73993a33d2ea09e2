import type { RegistryCredentials } from '@stagecraft/oci';

const MASK = '***';
/** Shorter values are not masked: hiding every `a` or `12` would garble the log for no gain. */
const MIN_SECRET_LENGTH = 4;

/**
 * Replaces known secrets in text bound for the log or the termination message. The code never
 * prints them on purpose; this catches a message that quotes one all the same.
 */
export class SecretMask {
  private readonly secrets = new Set<string>();

  /** A presigned URL's query string, whole and each value (raw and decoded). */
  addUrl(url: string): void {
    const parsed = URL.canParse(url) ? new URL(url) : null;
    const query = parsed ? parsed.search.slice(1) : url.split('?')[1];
    if (!query) return;
    this.add(query);
    for (const pair of query.split('&')) {
      const value = pair.slice(pair.indexOf('=') + 1);
      this.add(value);
      this.add(safeDecode(value));
    }
  }

  addCredentials(credentials: RegistryCredentials): void {
    this.add(credentials.password);
    this.add(Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64'));
  }

  apply(text: string): string {
    let masked = text;
    // Longest first, so a query string is masked whole before its values are.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) masked = masked.split(secret).join(MASK);
    return masked;
  }

  private add(secret: string): void {
    if (secret.length >= MIN_SECRET_LENGTH) this.secrets.add(secret);
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
