import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';

import type { UnpackLimits } from '@stagecraft/archive';
import type { EgressPolicy } from '@stagecraft/config';
import {
  buildDependencyLayer,
  type BuiltDependencyLayer,
  classifyInstallFailure,
  type DependencyInstall,
  type DependencyLayerOptions,
  installEnvironment,
  installVolumes,
  outputLocation,
  type PackageRegistries,
  parseImageReference,
  type RegistryCredentials,
  registryUrlOf,
} from '@stagecraft/oci';

import { buildahStorage, type BuildSandbox, type SandboxMode } from '../build-sandbox';
import { findExecutable, SandboxUnavailableError } from '../build-user';
import { withRegistryStep } from '../registry-step';
import { RegistryProxy } from './registry-proxy';
import { BRIDGE_PORT, bridgeCommand } from './sandbox-bridge';

export interface DependencyInstallerOptions {
  sandbox: BuildSandbox;
  /** Registry host → credentials, for pulling the base image. */
  credentials: Record<string, RegistryCredentials>;
  registries: PackageRegistries;
  egress: EgressPolicy;
  limits?: Partial<UnpackLimits>;
  /** CA certificates (PEM) the install trusts besides the base image's: BUILD_CA_BUNDLE. */
  caBundle?: Buffer;
  /** `ip` (iproute2), which brings the sealed namespace's loopback up; the node that runs the bridge (this one by default). */
  binaries?: { ip?: string; node?: string };
}

export interface InstallRequest {
  install: DependencyInstall;
  /** The base image by digest (`registry/repository@sha256:…`): the image whose npm or pip runs. */
  baseImage: string;
  mode: SandboxMode;
  /** Where the finished layer is written. */
  layerFile: string;
  layerOptions: Omit<DependencyLayerOptions, 'owner' | 'limits'>;
  log: (line: string) => void;
  signal: AbortSignal;
  /** This build's registry credentials (ExecutionRun.credentials); the installer's own when absent. */
  credentials?: Record<string, RegistryCredentials>;
}

/** Where the CA bundle is put for the install: in its working folder, which is not part of the layer. */
const CA_BUNDLE_FILE = '.stagecraft-ca-bundle.pem';

/** npm (Node) adds the bundle to its own CAs; pip and requests take it instead of theirs. */
function caBundleEnvironment(path: string): Record<string, string> {
  return { NODE_EXTRA_CA_CERTS: path, PIP_CERT: path, REQUESTS_CA_BUNDLE: path, SSL_CERT_FILE: path };
}

/** Lines of the install's output kept for the failure's message. */
const TAIL = 40;

/**
 * Installs a package's dependencies on a LOCAL cluster with the base image's own npm or pip, through
 * buildah: `buildah from` the base (as the build user, on the host's network: no code of the image
 * runs), the manifests in a folder bound at the install's working folder, then `buildah run
 * --isolation chroot` of the install command — rootless as the build user, in new network, PID,
 * IPC, UTS and mount namespaces whose only way out is a bridge to a proxy that reaches the
 * configured package registry and nothing else. The folder the install filled becomes the layer
 * (read by this process once every process of the step is gone); the container and its storage
 * are removed after.
 */
export class BuildahDependencyInstaller {
  private readonly node: string;

  constructor(private readonly options: DependencyInstallerOptions) {
    this.node = options.binaries?.node ?? process.execPath;
  }

  /** The `ip` a sealed install needs; a SandboxUnavailableError names what to install when it is missing. */
  private async ipBinary(): Promise<string> {
    const name = this.options.binaries?.ip ?? 'ip';
    const found = await findExecutable(name);
    if (!found)
      throw new SandboxUnavailableError(
        `${name} is missing (Debian: apt-get install iproute2); sealed dependency installs need it for their network namespace`,
      );
    return found;
  }

  async install(request: InstallRequest): Promise<BuiltDependencyLayer> {
    const { install, log, signal } = request;
    const registryUrl = registryUrlOf(install, this.options.registries);
    const ip = request.mode.sealed ? await this.ipBinary() : '';
    const build = await this.options.sandbox.open(request.mode);
    let proxy: RegistryProxy | undefined;
    let socketDir: string | undefined;
    const sealed = await build.userDir('sealed');
    const storage = buildahStorage(sealed);
    const step = (home: string, tenantCode: boolean, onLine = log) => ({ home, tenantCode, log: onLine, signal });
    let created = false;
    try {
      // The folders the install sees at its working folder (and output folder): the build user's.
      const host = Object.fromEntries(installVolumes(install).map((volume) => [volume.name, join(sealed, volume.name)]));
      for (const path of Object.values(host)) await mkdir(path, { mode: 0o755 });
      const files = [
        ...install.files,
        ...(this.options.caBundle ? [{ name: CA_BUNDLE_FILE, content: this.options.caBundle }] : []),
      ];
      for (const file of files) await writeFile(join(host.work, file.name), file.content, { mode: 0o644 });
      await build.giveToUser(...Object.values(host), ...files.map((file) => join(host.work, file.name)));

      const registry = parseImageReference(request.baseImage).registry;
      await withRegistryStep(build, request.credentials ?? this.options.credentials, 'pull', registry, (home, flags) =>
        build.buildah(
          [...storage, 'from', ...flags, '--name', 'dependencies', `docker://${request.baseImage}`],
          step(home, false),
        ),
      );
      created = true;

      // sun_path holds 108 bytes, more than a work folder's path may leave: a short folder of this
      // process's own (0700, root's), which the bridge reaches as root before the step drops its rights.
      socketDir = await mkdtemp(join(tmpdir(), 'stagecraft-proxy-'));
      const socketPath = join(socketDir, 'registry.sock');
      proxy = await RegistryProxy.start({
        registryUrl,
        egress: this.options.egress,
        listen: build.sealed ? { socketPath } : { host: '127.0.0.1' },
        log,
      });
      const proxyUrl = `http://127.0.0.1:${build.sealed ? BRIDGE_PORT : proxy.port}`;
      const env = {
        ...installEnvironment(install, this.options.registries),
        ...(this.options.caBundle && caBundleEnvironment(posix.join(install.workDir, CA_BUNDLE_FILE))),
        ...(install.tool === 'npm'
          ? { NPM_CONFIG_PROXY: proxyUrl, NPM_CONFIG_HTTPS_PROXY: proxyUrl, NPM_CONFIG_NOPROXY: '' }
          : { PIP_PROXY: proxyUrl }),
        HTTP_PROXY: proxyUrl,
        HTTPS_PROXY: proxyUrl,
        http_proxy: proxyUrl,
        https_proxy: proxyUrl,
        NO_PROXY: '',
        no_proxy: '',
      };
      const volumes = installVolumes(install).flatMap((volume) => ['--volume', `${host[volume.name]}:${volume.path}`]);
      const envFlags = Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]);
      const tail: string[] = [];
      const onLine = (line: string) => {
        tail.push(line);
        if (tail.length > TAIL) tail.shift();
        log(line);
      };
      log(
        `Running ${install.command.join(' ')} in ${request.baseImage}, reaching only ${registryUrl.replace(/\/\/[^@/]*@/, '//')}`,
      );
      try {
        await build.buildah(
          [
            ...storage,
            'run',
            '--isolation',
            'chroot',
            '--user',
            '0:0',
            '--workingdir',
            install.workDir,
            ...volumes,
            ...envFlags,
            'dependencies',
            '--',
            ...install.command,
          ],
          {
            ...step(join(sealed), true, onLine),
            through: (command) => bridgeCommand({ node: this.node, ip, socketPath }, command),
          },
        );
      } catch (error) {
        if (signal.aborted) throw error;
        const exitCode = (error as { exitCode?: number }).exitCode;
        const failure = classifyInstallFailure(
          install.tool,
          [...proxy.failures, ...tail],
          registryUrl,
          `exited with code ${exitCode ?? 'unknown'}`,
        );
        throw failure;
      }
      const output = outputLocation(install);
      return await buildDependencyLayer(join(host[output.volume], output.subPath), install, request.layerFile, {
        ...request.layerOptions,
        limits: this.options.limits,
        // uid 0 of the step is the build user here; unsealed, this process wrote them.
        owner: build.user?.uid ?? process.getuid?.(),
      });
    } finally {
      await proxy?.close();
      if (socketDir) await rm(socketDir, { recursive: true, force: true });
      if (created)
        await build
          .buildah(
            [...storage, 'rm', 'dependencies'],
            step(sealed, false, () => undefined),
          )
          .catch(() => undefined);
      await build.dispose();
    }
  }
}
