// What a user does through GraphQL on a running `npm start` to turn a package into an image:
// upload it, make a job that builds it, wait for the build; and what they do with the image:
// run it and read its layers. For the specs and benchmarks that drive the whole platform.
import { readFileSync } from 'node:fs';

import type { TechStack } from '@stagecraft/contracts';
import { DEFAULT_REGISTRY_SERVICE } from '@stagecraft/oci';
import { runImage, type StackApp } from '@stagecraft/testing';

import { freePort } from '../src/free-port';
import { graphql, type StartedLauncher } from './launcher-process';

export interface BuildView {
  id: string;
  status: string;
  reason: string | null;
  message: string | null;
  image: string | null;
  imageDigest: string | null;
  baseImage: string | null;
  baseImageDigest: string | null;
}

const BUILD_FIELDS = 'id status reason message image imageDigest baseImage baseImageDigest';
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'ERROR', 'CANCELLED']);

/** `registry/repository@digest` of a build's `registry/repository:tag@digest`: buildah takes no tag with a digest. */
export function byDigest(image: string): string {
  const [name, digest] = image.split('@');
  return `${name.replace(/:[^/:]+$/, '')}@${digest}`;
}

export class PlatformClient {
  private constructor(
    private readonly launcher: StartedLauncher,
    /** The LOCAL cluster `npm start` registers. */
    readonly clusterId: string,
    /** The embedded registry, host:port. */
    readonly registry: string,
    /** The administrator's access key: the registry login for PRIVATE images. */
    readonly login: { username: string; password: string },
  ) {}

  static async connect(launcher: StartedLauncher): Promise<PlatformClient> {
    const answer = await graphql<{ clusters: { edges: { node: { id: string; type: string } }[] } }>(
      launcher.endpoint,
      launcher.token,
      '{ clusters { edges { node { id type } } } }',
    );
    const clusterId = answer.data!.clusters.edges.find((edge) => edge.node.type === 'LOCAL')!.node.id;
    const registry = /^Registry: (\S+)$/m.exec(launcher.output())![1];
    const credentialsFile = /access key in (\S+)$/m.exec(launcher.output())![1];
    const admin = JSON.parse(readFileSync(credentialsFile, 'utf8')) as { accessKey: string; secretKey: string };
    return new PlatformClient(launcher, clusterId, registry, { username: admin.accessKey, password: admin.secretKey });
  }

  async must<T>(text: string, variables: Record<string, unknown> = {}): Promise<T> {
    const answer = await graphql<T>(this.launcher.endpoint, this.launcher.token, text, variables);
    if (answer.errors?.length || !answer.data) throw new Error(`GraphQL failed: ${JSON.stringify(answer.errors)}`);
    return answer.data;
  }

  /** Uploads the app as a package and completes it; throws unless it is READY with the app's stack. */
  async upload(app: Pick<StackApp, 'fileName' | 'bytes' | 'stack'>, version: string): Promise<string> {
    const { createPackageUpload } = await this.must<{ createPackageUpload: { uploadUrl: string; package: { id: string } } }>(
      `mutation($n: String!, $v: String!) { createPackageUpload(name: $n, version: $v, source: SWR) { uploadUrl package { id } } }`,
      { n: app.fileName, v: version },
    );
    const put = await fetch(createPackageUpload.uploadUrl, { method: 'PUT', body: app.bytes });
    if (!put.ok) throw new Error(`the upload answered ${put.status}`);
    const { completePackageUpload } = await this.must<{
      completePackageUpload: { status: string; techStack: TechStack | null; rejectionReason: string | null };
    }>(`mutation($id: ID!) { completePackageUpload(id: $id) { status techStack rejectionReason } }`, {
      id: createPackageUpload.package.id,
    });
    if (completePackageUpload.status !== 'READY' || completePackageUpload.techStack !== app.stack)
      throw new Error(`the package is not a READY ${app.stack} package: ${JSON.stringify(completePackageUpload)}`);
    return createPackageUpload.package.id;
  }

  /** The catalog's first image of the stack, split for a SYSTEM_DEFAULT job. */
  async defaultBase(stack: TechStack): Promise<{ baseImage: string; baseImageTag: string }> {
    const { baseImages } = await this.must<{ baseImages: string[] }>(`query($s: TechStack!) { baseImages(techStack: $s) }`, {
      s: stack,
    });
    const entry = baseImages[0];
    const colon = entry.lastIndexOf(':');
    return { baseImage: entry.slice(0, colon), baseImageTag: entry.slice(colon + 1) };
  }

  /** Creates a job that builds at once into `<registry>/proof/<name>:1`, on the LOCAL cluster unless `build` names another. */
  async startJob(name: string, packageId: string, build: Record<string, unknown>): Promise<{ jobId: string; build: BuildView }> {
    const { createPackageJob } = await this.must<{ createPackageJob: { job: { id: string }; build: BuildView } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input, build: true) { job { id } build { ${BUILD_FIELDS} } } }`,
      {
        input: {
          name,
          packageId,
          clusterId: this.clusterId,
          imageClass: 'PRIVATE',
          archiveImage: `${this.registry}/proof/${name}:1`,
          ...build,
        },
      },
    );
    return { jobId: createPackageJob.job.id, build: createPackageJob.build };
  }

  /** startJob, then waits for that build to succeed. */
  async buildJob(name: string, packageId: string, build: Record<string, unknown>): Promise<{ jobId: string; build: BuildView }> {
    const started = await this.startJob(name, packageId, build);
    return { jobId: started.jobId, build: await this.succeeded(started.build.id) };
  }

  /** Points the job at another package and builds it again; waits for that build to succeed. */
  async rebuild(jobId: string, packageId: string): Promise<BuildView> {
    await this.must(`mutation($id: ID!, $p: ID!) { updatePackageJob(id: $id, patch: { packageId: $p }) { id } }`, {
      id: jobId,
      p: packageId,
    });
    const { startBuild } = await this.must<{ startBuild: BuildView }>(
      `mutation($id: ID!) { startBuild(jobId: $id) { ${BUILD_FIELDS} } }`,
      {
        id: jobId,
      },
    );
    return this.succeeded(startBuild.id);
  }

  /** The build once it ends SUCCEEDED; any other end throws with its reason and log. */
  async succeeded(buildId: string, timeoutMs = 240_000): Promise<BuildView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { build } = await this.must<{ build: BuildView }>(`query($id: ID!) { build(id: $id) { ${BUILD_FIELDS} } }`, {
        id: buildId,
      });
      if (TERMINAL.has(build.status)) {
        if (build.status === 'SUCCEEDED') return build;
        const { buildLog } = await this.must<{ buildLog: { text: string } }>(
          `query($id: ID!) { buildLog(buildId: $id) { text } }`,
          {
            id: buildId,
          },
        );
        throw new Error(`build ${build.status} ${build.reason}: ${build.message}\n${buildLog.text}`);
      }
      if (Date.now() > deadline) throw new Error(`build ${buildId} still ${build.status} after ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Starts the image as a runtime would and answers what the app said at its path. */
  async answerOf(image: string, app: Pick<StackApp, 'port' | 'path'>): Promise<string> {
    const port = app.port === 'PORT' ? await freePort() : app.port;
    const container = await runImage(byDigest(image), {
      env: app.port === 'PORT' ? { PORT: String(port) } : {},
      creds: this.login,
    });
    try {
      const response = await container.waitForHttp(`http://127.0.0.1:${port}${app.path}`, 60_000);
      const body = (await response.text()).trim();
      if (!response.ok) throw new Error(`HTTP ${response.status} from ${image}: ${body}\n${container.output()}`);
      return body;
    } finally {
      await container.stop();
    }
  }

  /** A registry token for `scope`, from the gateway's token endpoint, as the administrator. */
  async registryToken(scope: string): Promise<string> {
    const url = new URL('/registry/token', this.launcher.endpoint);
    url.searchParams.set('service', DEFAULT_REGISTRY_SERVICE);
    url.searchParams.set('scope', scope);
    const basic = Buffer.from(`${this.login.username}:${this.login.password}`).toString('base64');
    const response = await fetch(url, { headers: { authorization: `Basic ${basic}` } });
    if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
    return ((await response.json()) as { token: string }).token;
  }

  /** The image's layers, by digest, base first. */
  async layersOf(image: string): Promise<{ digest: string; size: number }[]> {
    const [name, digest] = byDigest(image).split('@');
    const repository = name.slice(this.registry.length + 1);
    const response = await fetch(`http://${this.registry}/v2/${repository}/manifests/${digest}`, {
      headers: {
        accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
        authorization: `Bearer ${await this.registryToken(`repository:${repository}:pull`)}`,
      },
    });
    return ((await response.json()) as { layers: { digest: string; size: number }[] }).layers;
  }
}
