import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

import type { TechStack } from '@stagecraft/contracts';

import { PackageInspector } from '../../src/packages/domain/package-inspector';
import type { InspectionResult, StoredPackage } from '../../src/packages/inspection';

/** What the inspector is to find in some bytes: a stack, or why they are no usable package. */
export type Finding = { techStack: TechStack } | { reason: string };

/**
 * Answers what a test told it to find in given bytes; bytes it was told nothing about are no
 * archive. It reads the stream as the real one does, so sha256 and sizeBytes are the bytes'.
 */
export class ScriptedPackageInspector extends PackageInspector {
  private readonly findings = new Map<string, Finding>();

  finds(bytes: Buffer, finding: Finding): void {
    this.findings.set(sha256Of(bytes), finding);
  }

  async inspect(stream: Readable, _declared: TechStack | undefined): Promise<InspectionResult> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    const bytes = Buffer.concat(chunks);
    return this.answer(sha256Of(bytes), bytes.length);
  }

  /** As a store-vouched inspection: the bytes are the ones of that sha256, and none are read here. */
  async inspectStored(object: StoredPackage, sha256: string, _declared: TechStack | undefined): Promise<InspectionResult> {
    return this.answer(sha256, object.size);
  }

  private answer(sha256: string, sizeBytes: number): InspectionResult {
    const finding = this.findings.get(sha256) ?? { reason: 'the package is no zip, tar or tar.gz archive' };
    if ('reason' in finding) return { status: 'REJECTED', sha256, sizeBytes, reason: finding.reason };
    return { status: 'READY', sha256, sizeBytes, techStack: finding.techStack, format: 'zip', evidence: 'scripted' };
  }
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
