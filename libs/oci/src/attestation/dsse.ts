import { type KeyObject, sign } from 'node:crypto';

/** The payload type of an in-toto statement inside a DSSE envelope. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** A DSSE envelope (github.com/secure-systems-lab/dsse, envelope.md), as cosign reads it. */
export interface DsseEnvelope {
  payloadType: string;
  /** Standard base64 of the payload bytes. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/**
 * DSSE's pre-authentication encoding: what is signed is never the bare payload, so a signature
 * cannot be replayed as one over another payload type.
 */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/**
 * Signs `payload` into an envelope with an EC P-256 key: ECDSA over SHA-256, DER signature (what
 * cosign's `--key` verifier expects). `keyid` stays empty, as cosign writes it for key pairs.
 */
export function signEnvelope(payload: Buffer, payloadType: string, key: KeyObject): DsseEnvelope {
  const sig = sign('sha256', preAuthEncoding(payloadType, payload), key);
  return { payloadType, payload: payload.toString('base64'), signatures: [{ keyid: '', sig: sig.toString('base64') }] };
}

/** The envelope as stored and pushed: compact JSON, so its digest is that of exactly these bytes. */
export function envelopeBytes(envelope: DsseEnvelope): Buffer {
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}
