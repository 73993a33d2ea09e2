import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';

import {
  type ArchiveFormat,
  ArchiveGuard,
  type ArchiveReader,
  ArchiveRejection,
  createArchiveReader,
  resolveUnpackLimits,
  SNIFF_BYTES,
  sniffArchiveFormat,
  type UnpackLimits,
} from '@stagecraft/archive';

import type { InspectionResult, InspectPackageOptions, TechStack } from './package-inspection.types';
import { type ArchiveFindings, decideStack, StackDetector } from './stack-detector';

/**
 * Reads a package once, as a stream, in bounded memory: its sha256 and size from every byte, its
 * format from the first bytes and its tech stack from the archive's entries.
 *
 * - Every entry is unpacked (and thrown away unless the detector wants it) under the shared
 *   archive rules of @stagecraft/archive's ArchiveGuard, the same a build applies again: paths, links,
 *   devices, entry count, total unpacked size, compression ratio, and for a zip the central
 *   directory checked against the local headers actually read.
 * - Bad contents never throw: they answer REJECTED with a reason. After the archive is found bad
 *   (or is no archive), the rest of the stream is still read and hashed, so sha256 and sizeBytes
 *   always describe the exact bytes of the object.
 * - More than `maxBytes` stops at once: the stream is destroyed, REJECTED with sha256 null.
 * - The promise rejects only when the source stream itself fails (a broken S3 read): that is no
 *   verdict on the package and worth a retry. The source is destroyed in that case too.
 */
export async function inspectPackage(stream: Readable, options: InspectPackageOptions): Promise<InspectionResult> {
  return inspectStream(stream, options, null);
}

/**
 * inspectPackage for bytes whose sha256 someone else verified (the object store): the same
 * reading and rules, without hashing, and the result carries `sha256`.
 */
export async function inspectVouchedStream(
  stream: Readable,
  options: InspectPackageOptions,
  sha256: string,
): Promise<InspectionResult> {
  return inspectStream(stream, options, sha256);
}

function inspectStream(stream: Readable, options: InspectPackageOptions, vouchedSha256: string | null) {
  const { maxBytes } = options;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new TypeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
  return new PackageInspection(options, vouchedSha256).run(stream);
}

class PackageInspection {
  private readonly hash: Hash | null;
  private sizeBytes = 0;
  private head: Buffer[] = [];
  private headBytes = 0;
  private sniffed = false;
  private format: ArchiveFormat | null = null;
  private detector: StackDetector | null = null;
  private reader: ArchiveReader | null = null;
  private rejection: string | null = null;
  private readonly limits: UnpackLimits;

  /** The hex sha256 of every byte read, once they all were. */
  private readonly sha256: () => string;

  constructor(
    private readonly options: InspectPackageOptions,
    vouchedSha256: string | null,
  ) {
    this.limits = resolveUnpackLimits(options.limits);
    if (vouchedSha256 === null) {
      const hash = createHash('sha256');
      this.hash = hash;
      this.sha256 = () => hash.digest('hex');
    } else {
      const vouched = vouchedSha256;
      this.hash = null;
      this.sha256 = () => vouched;
    }
  }

  async run(stream: Readable): Promise<InspectionResult> {
    try {
      // Leaving this loop early (return or throw) destroys the source stream.
      for await (const data of stream) {
        const chunk = toBuffer(data);
        this.sizeBytes += chunk.length;
        if (this.sizeBytes > this.options.maxBytes) {
          return this.rejected(`larger than the limit of ${this.options.maxBytes} bytes`, null);
        }
        this.hash?.update(chunk);
        await this.accept(chunk);
      }
      if (!this.sniffed) await this.sniff();
      if (this.reader && this.rejection === null) await this.guard(this.reader.end());
    } finally {
      this.reader?.destroy();
    }

    const sha256 = this.sha256();
    if (this.rejection !== null) return this.rejected(this.rejection, sha256);
    if (!this.detector || !this.format) throw new Error('inspection ended without a format or a rejection');
    return decided(this.detector.findings(), { sha256, sizeBytes: this.sizeBytes, declared: this.options.declared });
  }

  private async accept(chunk: Buffer): Promise<void> {
    if (this.rejection !== null) return; // only hashing from here on
    if (!this.sniffed) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes >= SNIFF_BYTES) await this.sniff();
      return;
    }
    await this.feed(chunk);
  }

  private async sniff(): Promise<void> {
    this.sniffed = true;
    const head = Buffer.concat(this.head);
    this.head = [];
    this.format = sniffArchiveFormat(head);
    if (this.format === null) {
      this.rejection = head.length === 0 ? 'not a zip or tar.gz archive: the package is empty' : 'not a zip or tar.gz archive';
      return;
    }
    this.detector = new StackDetector(this.format);
    const guard = new ArchiveGuard(this.limits, this.format);
    this.reader = createArchiveReader(this.format, this.detector, guard);
    await this.feed(head);
  }

  private async feed(chunk: Buffer): Promise<void> {
    if (!this.reader || this.rejection !== null || chunk.length === 0) return;
    await this.guard(this.reader.write(chunk));
  }

  /** An ArchiveRejection ends the parse (the stream is still drained); anything else is a fault. */
  private async guard(work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (err) {
      if (!(err instanceof ArchiveRejection)) throw err;
      this.rejection = err.message;
      this.reader?.destroy();
      this.reader = null;
    }
  }

  private rejected(reason: string, sha256: string | null): InspectionResult {
    return { status: 'REJECTED', sha256, sizeBytes: this.sizeBytes, reason };
  }
}

/** READY with the stack the findings decide (declared or detected), or REJECTED saying why not. */
export function decided(
  findings: ArchiveFindings,
  bytes: { sha256: string; sizeBytes: number; declared: TechStack | undefined },
): InspectionResult {
  const decision = decideStack(findings, bytes.declared);
  if (!decision.ok) return { status: 'REJECTED', sha256: bytes.sha256, sizeBytes: bytes.sizeBytes, reason: decision.reason };
  return {
    status: 'READY',
    sha256: bytes.sha256,
    sizeBytes: bytes.sizeBytes,
    techStack: decision.techStack,
    format: findings.format,
    evidence: decision.evidence,
  };
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`a package stream must yield bytes, got ${typeof data}`);
}
