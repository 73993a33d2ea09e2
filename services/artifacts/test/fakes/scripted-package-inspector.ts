import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

import type { TechStack } from '@stagecraft/contracts';

import { PackageInspector } from '../../src/packages/domain/package-inspector';
import type { InspectionResult } from '../../src/packages/inspection';

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
    const sha256 = sha256Of(bytes);
    const finding = this.findings.get(sha256) ?? { reason: 'the package is no zip, tar or tar.gz archive' };
    if ('reason' in finding) return { status: 'REJECTED', sha256, sizeBytes: bytes.length, reason: finding.reason };
    return {
      status: 'READY',
      sha256,
      sizeBytes: bytes.length,
      techStack: finding.techStack,
      format: 'zip',
      evidence: 'scripted',
    };
  }
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
