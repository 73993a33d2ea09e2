import { AssemblyError, PackageRejectedError } from './assembly.errors';
import { BuildFailureError, classifyBuildFailure } from './build-failure';
import { PackageDownloadError } from './package-download';
import { RegistryError } from './registry.error';

describe('classifyBuildFailure', () => {
  it.each([
    [new PackageDownloadError('PACKAGE_CORRUPTED', 'bad sha'), 'ERROR', 'PACKAGE_CORRUPTED', 'bad sha'],
    [new PackageDownloadError('PACKAGE_DOWNLOAD_FAILED', 'HTTP 503'), 'ERROR', 'PACKAGE_DOWNLOAD_FAILED', 'HTTP 503'],
    [new PackageRejectedError('zip slip'), 'FAILED', 'PACKAGE_REJECTED', 'zip slip'],
    [new AssemblyError('REFERENCE_INVALID', 'bad ref'), 'FAILED', 'REFERENCE_INVALID', 'bad ref'],
    [new RegistryError('UNAUTHORIZED', 401, 'no'), 'FAILED', 'REGISTRY_DENIED', 'no'],
    [new RegistryError('DENIED', 403, 'no'), 'FAILED', 'REGISTRY_DENIED', 'no'],
    [new RegistryError('HTTP_ERROR', 403, 'proxy'), 'FAILED', 'REGISTRY_DENIED', 'proxy'],
    [new RegistryError('MANIFEST_UNKNOWN', 404, 'gone'), 'FAILED', 'BASE_IMAGE_NOT_FOUND', 'gone'],
    [new RegistryError('NAME_UNKNOWN', 404, 'gone'), 'FAILED', 'BASE_IMAGE_NOT_FOUND', 'gone'],
    [new RegistryError('PLATFORM_UNAVAILABLE', null, 'arm only'), 'FAILED', 'BASE_IMAGE_NOT_FOUND', 'arm only'],
    [new RegistryError('UNREACHABLE', null, 'down'), 'ERROR', 'REGISTRY_ERROR', 'down'],
    [new RegistryError('TOOMANYREQUESTS', 429, 'slow down'), 'ERROR', 'REGISTRY_ERROR', 'slow down'],
  ])('%s → %s %s', (error, status, reason, message) => {
    expect(classifyBuildFailure(error)).toEqual({ status, reason, message });
  });

  it('passes a failure its builder already classified through as it is', () => {
    const failure = {
      status: 'FAILED' as const,
      reason: 'DOCKERFILE_STEP_FAILED' as const,
      message: 'STEP 2/2: RUN make: exited with code 2',
    };
    expect(classifyBuildFailure(new BuildFailureError(failure))).toEqual(failure);
    const platform = { status: 'ERROR' as const, reason: 'REGISTRY_ERROR' as const, message: 'registry r answered 500' };
    expect(classifyBuildFailure(new BuildFailureError(platform))).toEqual(platform);
  });

  it('masks anything else: its message may hold a path or a URL', () => {
    expect(classifyBuildFailure(new Error('EACCES: /secret/path?sig=abc'))).toEqual({
      status: 'ERROR',
      reason: 'EXECUTOR_ERROR',
      message: 'the build failed unexpectedly',
    });
    expect(classifyBuildFailure('a string')).toMatchObject({ status: 'ERROR', reason: 'EXECUTOR_ERROR' });
  });
});
