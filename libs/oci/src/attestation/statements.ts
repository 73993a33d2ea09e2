import { ociPurl } from '../sbom/purl';

/** in-toto Statement v1 (github.com/in-toto/attestation, spec/v1/statement.md). */
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const CYCLONEDX_PREDICATE = 'https://cyclonedx.org/bom';

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
}

export interface InTotoStatement<P> {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: ResourceDescriptor[];
  predicateType: string;
  predicate: P;
}

/** What a build says about itself: the inputs of its provenance. */
export interface ProvenanceInput {
  /** The pushed image, `registry/repo` without tag or digest, and its manifest digest. */
  imageName: string;
  imageDigest: string;
  /** A URL naming Stagecraft's build type (docs/attestations.md). */
  buildType: string;
  /** The build spec as the user gave it, secrets taken out by the caller. */
  externalParameters: Record<string, unknown>;
  package: { name: string; sha256: string; uri: string | null };
  baseImage: { name: string; digest: string } | null;
  builderId: string;
  invocationId: string;
  startedOn: Date | null;
  finishedOn: Date;
}

export interface SlsaProvenance {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    resolvedDependencies: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string };
    metadata: { invocationId: string; startedOn?: string; finishedOn: string };
  };
}

/** `sha256:<hex>` as an in-toto digest set. */
export function digestSet(digest: string): Record<string, string> {
  const [algorithm, hex] = digest.split(':');
  if (!algorithm || !hex) throw new Error(`not a digest: ${digest}`);
  return { [algorithm]: hex };
}

export function imageSubject(imageName: string, imageDigest: string): ResourceDescriptor[] {
  return [{ name: imageName, digest: digestSet(imageDigest) }];
}

/** The SLSA v1 provenance of one build, subject = the image it pushed. */
export function provenanceStatement(input: ProvenanceInput): InTotoStatement<SlsaProvenance> {
  const resolvedDependencies: ResourceDescriptor[] = [
    {
      name: input.package.name,
      ...(input.package.uri ? { uri: input.package.uri } : {}),
      digest: { sha256: input.package.sha256 },
    },
  ];
  if (input.baseImage)
    resolvedDependencies.push({
      name: input.baseImage.name,
      uri: ociPurl(input.baseImage.name, input.baseImage.digest),
      digest: digestSet(input.baseImage.digest),
    });
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: imageSubject(input.imageName, input.imageDigest),
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: input.buildType,
        externalParameters: input.externalParameters,
        resolvedDependencies,
      },
      runDetails: {
        builder: { id: input.builderId },
        metadata: {
          invocationId: input.invocationId,
          ...(input.startedOn ? { startedOn: input.startedOn.toISOString() } : {}),
          finishedOn: input.finishedOn.toISOString(),
        },
      },
    },
  };
}

/** The SBOM attested about the image: cosign's `--type cyclonedx` predicate. */
export function sbomStatement(imageName: string, imageDigest: string, bom: unknown): InTotoStatement<unknown> {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: imageSubject(imageName, imageDigest),
    predicateType: CYCLONEDX_PREDICATE,
    predicate: bom,
  };
}

/** A package URL without its query: a presigned URL's query string is a capability and never leaves the platform. */
export function withoutQuery(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return null;
  }
}
