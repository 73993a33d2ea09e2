import { decodeJson, utf8Text } from '../wire-format';

/** Longer payloads (a Dockerfile, a kubeconfig) are not remembered: they seldom repeat. */
export const REMEMBERED_PAYLOAD_MAX_BYTES = 512;

const texts = new WeakMap<object, string>();

/**
 * A request's payload, parsed from the message's bytes as decodeJson does; for a short object
 * payload the JSON text it came from is kept beside it (payloadTextOf), so the validation pipe
 * can tell a payload it has already found valid by its exact text.
 */
export function parsePayload(bytes: Uint8Array): unknown {
  if (bytes.length === 0 || bytes.length > REMEMBERED_PAYLOAD_MAX_BYTES) return decodeJson(bytes);
  const text = utf8Text(bytes);
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null) texts.set(value, text);
  return value;
}

/** The JSON text `value` was parsed from by parsePayload, if it kept it. */
export function payloadTextOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? texts.get(value) : undefined;
}
