import type { BuildReasonOf } from '@stagecraft/contracts';
import type { BuildFailure } from '@stagecraft/oci';

import { type BuildahCommand, BuildahOutput, classifyBuildahFailure } from './buildah-failure';

/*
 * Every transcript below is buildah 1.28.2's output (stdout and stderr, as the build log gets
 * them), captured on this machine as root with `--storage-driver vfs`: pulls and pushes against
 * a loopback `docker-registry` (htpasswd and open), a closed port, an unresolvable name and a
 * fake registry answering 403, 401, 404, 500, 429 and an arm64-only index; `bud --isolation
 * chroot --pull=never --layers=false --omit-history` on a busybox base for the Dockerfile cases.
 */
const pull = (image: string): BuildahCommand => ({ kind: 'pull', image });
const push = (image: string): BuildahCommand => ({ kind: 'push', image });
const bud: BuildahCommand = { kind: 'bud', contextFiles: ['Dockerfile', 'package.jar'] };

const FAILED = (reason: BuildReasonOf<'FAILED'>, message: string): BuildFailure => ({ status: 'FAILED', reason, message });
const ERROR = (reason: BuildReasonOf<'ERROR'>, message: string): BuildFailure => ({ status: 'ERROR', reason, message });

const rows: Array<[string, BuildahCommand, string, BuildFailure]> = [
  // buildah pull: the images the Dockerfile builds from.
  [
    'a tag the repository does not have',
    pull('127.0.0.1:45123/base:2'),
    `Trying to pull 127.0.0.1:45123/base:2...
Error: initializing source docker://127.0.0.1:45123/base:2: reading manifest 2 in 127.0.0.1:45123/base: manifest unknown: manifest unknown`,
    FAILED(
      'BASE_IMAGE_NOT_FOUND',
      'the image 127.0.0.1:45123/base:2 that the Dockerfile builds from does not exist (manifest unknown)',
    ),
  ],
  [
    'a repository the registry does not have (the distribution registry says manifest unknown too)',
    pull('127.0.0.1:45124/team/nothere:1'),
    `Trying to pull 127.0.0.1:45124/team/nothere:1...
Error: initializing source docker://127.0.0.1:45124/team/nothere:1: reading manifest 1 in 127.0.0.1:45124/team/nothere: manifest unknown: manifest unknown`,
    FAILED(
      'BASE_IMAGE_NOT_FOUND',
      'the image 127.0.0.1:45124/team/nothere:1 that the Dockerfile builds from does not exist (manifest unknown)',
    ),
  ],
  [
    'a digest the repository does not have',
    pull('127.0.0.1:45124/base@sha256:0000000000000000000000000000000000000000000000000000000000000000'),
    `Trying to pull 127.0.0.1:45124/base@sha256:0000000000000000000000000000000000000000000000000000000000000000...
Error: initializing source docker://127.0.0.1:45124/base@sha256:0000000000000000000000000000000000000000000000000000000000000000: reading manifest sha256:0000000000000000000000000000000000000000000000000000000000000000 in 127.0.0.1:45124/base: manifest unknown: manifest unknown`,
    FAILED(
      'BASE_IMAGE_NOT_FOUND',
      'the image 127.0.0.1:45124/base@sha256:0000000000000000000000000000000000000000000000000000000000000000 that the Dockerfile builds from does not exist (manifest unknown)',
    ),
  ],
  [
    'NAME_UNKNOWN (Harbor, GitLab)',
    pull('127.0.0.1:45130/nameunknown/img:1'),
    `Trying to pull 127.0.0.1:45130/nameunknown/img:1...
Error: initializing source docker://127.0.0.1:45130/nameunknown/img:1: reading manifest 1 in 127.0.0.1:45130/nameunknown/img: name unknown`,
    FAILED(
      'BASE_IMAGE_NOT_FOUND',
      'the image 127.0.0.1:45130/nameunknown/img:1 that the Dockerfile builds from does not exist (name unknown)',
    ),
  ],
  [
    'a plain 404 without an error body',
    pull('127.0.0.1:45130/plain404/img:1'),
    `Trying to pull 127.0.0.1:45130/plain404/img:1...
Error: initializing source docker://127.0.0.1:45130/plain404/img:1: reading manifest 1 in 127.0.0.1:45130/plain404/img: StatusCode: 404, not found`,
    FAILED(
      'BASE_IMAGE_NOT_FOUND',
      'the image 127.0.0.1:45130/plain404/img:1 that the Dockerfile builds from does not exist (StatusCode: 404, not found)',
    ),
  ],
  [
    'an index without this machine’s platform',
    pull('127.0.0.1:45130/armonly/img:1'),
    `Trying to pull 127.0.0.1:45130/armonly/img:1...
Error: choosing an image from manifest list docker://127.0.0.1:45130/armonly/img:1: no image found in image index for architecture amd64, variant "", OS linux`,
    FAILED(
      'BASE_IMAGE_NOT_FOUND',
      'the image 127.0.0.1:45130/armonly/img:1 has no variant for this build machine (no image found in image index for architecture amd64, variant "", OS linux)',
    ),
  ],
  [
    'no credentials, or wrong ones (htpasswd)',
    pull('127.0.0.1:45123/base:1'),
    `Trying to pull 127.0.0.1:45123/base:1...
Error: initializing source docker://127.0.0.1:45123/base:1: reading manifest 1 in 127.0.0.1:45123/base: unauthorized: authentication required`,
    FAILED(
      'REGISTRY_DENIED',
      'registry 127.0.0.1:45123 denied pulling 127.0.0.1:45123/base:1 (unauthorized: authentication required): the platform has no credentials for 127.0.0.1:45123 or they may not read that repository, or it does not exist',
    ),
  ],
  [
    '403 DENIED (also how Docker Hub answers for a repository that does not exist)',
    pull('127.0.0.1:45130/denied/img:1'),
    `Trying to pull 127.0.0.1:45130/denied/img:1...
Error: initializing source docker://127.0.0.1:45130/denied/img:1: reading manifest 1 in 127.0.0.1:45130/denied/img: denied`,
    FAILED(
      'REGISTRY_DENIED',
      'registry 127.0.0.1:45130 denied pulling 127.0.0.1:45130/denied/img:1 (denied): the platform has no credentials for 127.0.0.1:45130 or they may not read that repository, or it does not exist',
    ),
  ],
  [
    'a repository named like an answer is judged by the answer ("timeout" is not found)',
    pull('127.0.0.1:45124/timeout/denied:1'),
    `Trying to pull 127.0.0.1:45124/timeout/denied:1...
Error: initializing source docker://127.0.0.1:45124/timeout/denied:1: reading manifest 1 in 127.0.0.1:45124/timeout/denied: manifest unknown: manifest unknown`,
    FAILED(
      'BASE_IMAGE_NOT_FOUND',
      'the image 127.0.0.1:45124/timeout/denied:1 that the Dockerfile builds from does not exist (manifest unknown)',
    ),
  ],
  [
    'nothing listening on the port (buildah retries three times first)',
    pull('127.0.0.1:45199/base:1'),
    `Trying to pull 127.0.0.1:45199/base:1...
time="2026-12-03T17:17:42Z" level=warning msg="Failed, retrying in 2s ... (1/3). Error: initializing source docker://127.0.0.1:45199/base:1: pinging container registry 127.0.0.1:45199: Get \\"http://127.0.0.1:45199/v2/\\": dial tcp 127.0.0.1:45199: connect: connection refused"
time="2026-12-03T17:17:44Z" level=warning msg="Failed, retrying in 2s ... (2/3). Error: initializing source docker://127.0.0.1:45199/base:1: pinging container registry 127.0.0.1:45199: Get \\"http://127.0.0.1:45199/v2/\\": dial tcp 127.0.0.1:45199: connect: connection refused"
time="2026-12-03T17:17:46Z" level=warning msg="Failed, retrying in 2s ... (3/3). Error: initializing source docker://127.0.0.1:45199/base:1: pinging container registry 127.0.0.1:45199: Get \\"http://127.0.0.1:45199/v2/\\": dial tcp 127.0.0.1:45199: connect: connection refused"
Error: initializing source docker://127.0.0.1:45199/base:1: pinging container registry 127.0.0.1:45199: Get "http://127.0.0.1:45199/v2/": dial tcp 127.0.0.1:45199: connect: connection refused`,
    FAILED(
      'REGISTRY_UNREACHABLE',
      'registry 127.0.0.1:45199 cannot be reached from the build machine, pulling 127.0.0.1:45199/base:1: dial tcp 127.0.0.1:45199: connect: connection refused',
    ),
  ],
  [
    'a host name that does not resolve',
    pull('registry.invalid/team/base:1'),
    `Trying to pull registry.invalid/team/base:1...
Error: initializing source docker://registry.invalid/team/base:1: pinging container registry registry.invalid: Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid on 10.255.255.53:53: no such host`,
    FAILED(
      'REGISTRY_UNREACHABLE',
      'registry registry.invalid cannot be reached from the build machine, pulling registry.invalid/team/base:1: dial tcp: lookup registry.invalid on 10.255.255.53:53: no such host',
    ),
  ],
  [
    'TLS to a registry that speaks plain HTTP',
    pull('registry.example.com:5000/base:1'),
    `Trying to pull registry.example.com:5000/base:1...
Error: initializing source docker://registry.example.com:5000/base:1: pinging container registry registry.example.com:5000: Get "https://registry.example.com:5000/v2/": http: server gave HTTP response to HTTPS client`,
    FAILED(
      'REGISTRY_UNREACHABLE',
      'registry registry.example.com:5000 cannot be reached from the build machine, pulling registry.example.com:5000/base:1: http: server gave HTTP response to HTTPS client (it speaks plain HTTP; only loopback registries are reached without TLS)',
    ),
  ],
  [
    'a certificate this machine does not trust',
    pull('127.0.0.1:45131/denied/img:1'),
    `Trying to pull 127.0.0.1:45131/denied/img:1...
Error: initializing source docker://127.0.0.1:45131/denied/img:1: pinging container registry 127.0.0.1:45131: Get "https://127.0.0.1:45131/v2/": x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs`,
    FAILED(
      'REGISTRY_UNREACHABLE',
      "registry 127.0.0.1:45131 cannot be reached from the build machine, pulling 127.0.0.1:45131/denied/img:1: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs (its TLS certificate is not trusted here)",
    ),
  ],
  [
    'the registry’s own fault: 500',
    pull('127.0.0.1:45130/err500/img:1'),
    `Trying to pull 127.0.0.1:45130/err500/img:1...
Error: initializing source docker://127.0.0.1:45130/err500/img:1: reading manifest 1 in 127.0.0.1:45130/err500/img: received unexpected HTTP status: 500 Internal Server Error`,
    ERROR(
      'REGISTRY_ERROR',
      'registry 127.0.0.1:45130 failed while pulling 127.0.0.1:45130/err500/img:1: received unexpected HTTP status: 500 Internal Server Error',
    ),
  ],
  [
    'a rate limit (after three retries)',
    pull('127.0.0.1:45130/toomany/img:1'),
    `Trying to pull 127.0.0.1:45130/toomany/img:1...
time="2026-12-03T17:20:25Z" level=warning msg="Failed, retrying in 2s ... (1/3). Error: initializing source docker://127.0.0.1:45130/toomany/img:1: reading manifest 1 in 127.0.0.1:45130/toomany/img: toomanyrequests: You have reached your pull rate limit"
Error: initializing source docker://127.0.0.1:45130/toomany/img:1: reading manifest 1 in 127.0.0.1:45130/toomany/img: toomanyrequests: You have reached your pull rate limit`,
    ERROR(
      'REGISTRY_ERROR',
      'registry 127.0.0.1:45130 refused more requests for now (toomanyrequests: You have reached your pull rate limit); run the build again later',
    ),
  ],
  [
    'no Error line at all (killed): the platform’s, masked',
    pull('127.0.0.1:45124/base:1'),
    'Trying to pull 127.0.0.1:45124/base:1...',
    ERROR('EXECUTOR_ERROR', 'buildah failed pulling 127.0.0.1:45124/base:1; its output is in the build log'),
  ],

  // buildah push: the job's archive image.
  [
    'push without credentials',
    push('127.0.0.1:45123/team/out:1'),
    `Getting image source signatures
Copying blob sha256:2c212742aaeaa065b354d437b9a4a3b9e335824e49259b4e622cad7b7d558677
Copying blob sha256:7e304f531e83bdffcea7e8b0e4fbba40467ba7b4af3c2e5509528fc9c20b85c8
Error: pushing image "127.0.0.1:45124/out:1" to "docker://127.0.0.1:45123/team/out:1": trying to reuse blob sha256:7e304f531e83bdffcea7e8b0e4fbba40467ba7b4af3c2e5509528fc9c20b85c8 at destination: checking whether a blob sha256:7e304f531e83bdffcea7e8b0e4fbba40467ba7b4af3c2e5509528fc9c20b85c8 exists in 127.0.0.1:45123/team/out: unauthorized: authentication required`,
    FAILED(
      'REGISTRY_DENIED',
      'registry 127.0.0.1:45123 denied pushing 127.0.0.1:45123/team/out:1 (unauthorized: authentication required): the platform has no credentials for 127.0.0.1:45123 or they may not push to that repository',
    ),
  ],
  [
    'push answered 403',
    push('127.0.0.1:45130/denied/out:1'),
    `Getting image source signatures
Copying blob sha256:2c212742aaeaa065b354d437b9a4a3b9e335824e49259b4e622cad7b7d558677
Error: pushing image "127.0.0.1:45124/out:1" to "docker://127.0.0.1:45130/denied/out:1": trying to reuse blob sha256:7e304f531e83bdffcea7e8b0e4fbba40467ba7b4af3c2e5509528fc9c20b85c8 at destination: failed to read from destination repository denied/out: 403 (Forbidden)`,
    FAILED(
      'REGISTRY_DENIED',
      'registry 127.0.0.1:45130 denied pushing 127.0.0.1:45130/denied/out:1 (403 (Forbidden)): the platform has no credentials for 127.0.0.1:45130 or they may not push to that repository',
    ),
  ],
  [
    'push to a host that does not resolve',
    push('registry.invalid/team/out:1'),
    `Getting image source signatures
Copying blob sha256:7e304f531e83bdffcea7e8b0e4fbba40467ba7b4af3c2e5509528fc9c20b85c8
Error: pushing image "127.0.0.1:45124/out:1" to "docker://registry.invalid/team/out:1": trying to reuse blob sha256:7e304f531e83bdffcea7e8b0e4fbba40467ba7b4af3c2e5509528fc9c20b85c8 at destination: pinging container registry registry.invalid: Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid on 10.255.255.53:53: no such host`,
    FAILED(
      'REGISTRY_UNREACHABLE',
      'registry registry.invalid cannot be reached from the build machine, pushing registry.invalid/team/out:1: dial tcp: lookup registry.invalid on 10.255.255.53:53: no such host',
    ),
  ],
  [
    'push answered 500',
    push('127.0.0.1:45130/err500/out:1'),
    `Getting image source signatures
Error: pushing image "127.0.0.1:45124/out:1" to "docker://127.0.0.1:45130/err500/out:1": trying to reuse blob sha256:7e304f531e83bdffcea7e8b0e4fbba40467ba7b4af3c2e5509528fc9c20b85c8 at destination: failed to read from destination repository err500/out: 500 (Internal Server Error)`,
    ERROR(
      'REGISTRY_ERROR',
      'registry 127.0.0.1:45130 failed while pushing 127.0.0.1:45130/err500/out:1: 500 (Internal Server Error)',
    ),
  ],

  // buildah bud: the Dockerfile's steps.
  [
    'a RUN step that exits 3',
    bud,
    `STEP 1/5: FROM 127.0.0.1:45124/base:1
STEP 2/5: COPY package.jar /app/p.jar
STEP 3/5: RUN echo one
one
STEP 4/5: RUN echo failing; exit 3
failing
subprocess exited with status 3
subprocess exited with status 3
Error: building at STEP "RUN echo failing; exit 3": exit status 3`,
    FAILED('DOCKERFILE_STEP_FAILED', 'STEP 4/5: RUN echo failing; exit 3: the command exited with code 3'),
  ],
  [
    'a RUN step with quotes in it, and a command that is not there (127)',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: RUN echo "token" && make build
token
/bin/sh: make: not found
subprocess exited with status 127
subprocess exited with status 127
Error: building at STEP "RUN echo "token" && make build": exit status 127`,
    FAILED(
      'DOCKERFILE_STEP_FAILED',
      'STEP 2/2: RUN echo "token" && make build: the command exited with code 127 (a command was not found)',
    ),
  ],
  [
    'a RUN step in a multi-stage build names its stage',
    bud,
    `[1/2] STEP 1/3: FROM 127.0.0.1:45124/base:1 AS build
[1/2] STEP 2/3: RUN echo a > /a
[1/2] STEP 3/3: RUN exit 7
subprocess exited with status 7
subprocess exited with status 7
Error: building at STEP "RUN exit 7": exit status 7`,
    FAILED('DOCKERFILE_STEP_FAILED', '[1/2] STEP 3/3: RUN exit 7: the command exited with code 7'),
  ],
  [
    'a RUN in exec form whose program is missing (buildah prints the instruction two ways)',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: RUN ["/usr/bin/nosuch", "x"]
process failed to start with error: fork/exec /usr/bin/nosuch: no such file or directoryprocess exited with error: exec: not startedsubprocess exited with status 1
Error: building at STEP "RUN /usr/bin/nosuch x": exit status 1`,
    FAILED(
      'DOCKERFILE_STEP_FAILED',
      'STEP 2/2: RUN ["/usr/bin/nosuch", "x"]: the command could not start (fork/exec /usr/bin/nosuch: no such file or directory)',
    ),
  ],
  [
    'a RUN on an image without a shell',
    bud,
    `STEP 1/2: FROM scratch
STEP 2/2: RUN echo hi
process failed to start with error: fork/exec /bin/sh: no such file or directoryprocess exited with error: exec: not startedsubprocess exited with status 1
Error: building at STEP "RUN echo hi": exit status 1`,
    FAILED(
      'DOCKERFILE_STEP_FAILED',
      'STEP 2/2: RUN echo hi: the command could not start (fork/exec /bin/sh: no such file or directory)',
    ),
  ],
  [
    'COPY of a file the context does not have (the build folder is not shown)',
    bud,
    `STEP 1/3: FROM 127.0.0.1:45124/base:1
STEP 2/3: COPY missing.txt /app/
Error: building at STEP "COPY missing.txt /app/": checking on sources under "/tmp/cap/ctx": copier: stat: "/missing.txt": no such file or directory`,
    FAILED(
      'COPY_SOURCE_NOT_FOUND',
      'STEP 2/3: COPY missing.txt /app/: nothing in the build context matches missing.txt; the context holds only Dockerfile and package.jar',
    ),
  ],
  [
    'COPY of a pattern that matches nothing',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: COPY *.py /app/
Error: building at STEP "COPY *.py /app/": checking on sources under "/tmp/cap/ctx": Rel: can't make  relative to /tmp/cap/ctx; copier: stat: ["/*.py"]: no such file or directory`,
    FAILED(
      'COPY_SOURCE_NOT_FOUND',
      'STEP 2/2: COPY *.py /app/: nothing in the build context matches *.py; the context holds only Dockerfile and package.jar',
    ),
  ],
  [
    'ADD of a missing folder',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: COPY app/ /app/
Error: building at STEP "COPY app/ /app/": checking on sources under "/tmp/cap/ctx": copier: stat: "/app": no such file or directory`,
    FAILED(
      'COPY_SOURCE_NOT_FOUND',
      'STEP 2/2: COPY app/ /app/: nothing in the build context matches app; the context holds only Dockerfile and package.jar',
    ),
  ],
  [
    'COPY --from a stage that lacks the path',
    bud,
    `[1/2] STEP 1/2: FROM 127.0.0.1:45124/base:1 AS build
[1/2] STEP 2/2: RUN echo a > /a
[2/2] STEP 1/2: FROM 127.0.0.1:45124/base:1
[2/2] STEP 2/2: COPY --from=build /nothere /a
Error: building at STEP "COPY --from=build /nothere /a": checking on sources under "/tmp/cap/p/root/vfs/dir/9b738387ca2aa17838f46b22f5398d73e28ce6e1f7f90efa8ae0771a968998da": copier: stat: "/nothere": no such file or directory`,
    FAILED('COPY_SOURCE_NOT_FOUND', '[2/2] STEP 2/2: COPY --from=build /nothere /a: nothing in build matches /nothere'),
  ],
  [
    'an unknown instruction',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: RUNN echo hi
time="2026-12-03T17:18:04Z" level=error msg="+(UNHANDLED LOGLEVEL) &imagebuilder.Step{Env:[]string{\\"PATH=/bin\\"}, Command:\\"runn\\", Args:[]string{\\"\\"}, Flags:[]string{}, Attrs:map[string]bool(nil), Message:\\"RUNN \\", Original:\\"RUNN echo hi\\"}"
Error: building at STEP "RUNN ": Build error: Unknown instruction: "RUNN" &imagebuilder.Step{Env:[]string{"PATH=/bin"}, Command:"runn", Args:[]string{""}, Flags:[]string{}, Attrs:map[string]bool(nil), Message:"RUNN ", Original:"RUNN echo hi"}`,
    FAILED('DOCKERFILE_INVALID', 'STEP 2/2: RUNN echo hi: Unknown instruction: "RUNN"'),
  ],
  [
    'an instruction without its arguments',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: ENV
Error: building at STEP "ENV ": ENV requires at least one argument`,
    FAILED('DOCKERFILE_INVALID', 'STEP 2/2: ENV: ENV requires at least one argument'),
  ],
  [
    'a flag COPY does not have',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: COPY --chmodd=755 package.jar /x
Error: building at STEP "COPY --chmodd=755 package.jar /x": COPY only supports the --chmod=<permissions> --chown=<uid:gid> and the --from=<image|stage> flags`,
    FAILED(
      'DOCKERFILE_INVALID',
      'STEP 2/2: COPY --chmodd=755 package.jar /x: COPY only supports the --chmod=<permissions> --chown=<uid:gid> and the --from=<image|stage> flags',
    ),
  ],
  [
    'a bad HEALTHCHECK duration',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: HEALTHCHECK --interval=bogus CMD true
Error: building at STEP "HEALTHCHECK --interval=bogus CMD true": time: invalid duration "bogus"`,
    FAILED('DOCKERFILE_INVALID', 'STEP 2/2: HEALTHCHECK --interval=bogus CMD true: time: invalid duration "bogus"'),
  ],
  [
    'FROM inside ONBUILD',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: ONBUILD FROM x
Error: building at STEP "ONBUILD from x": FROM isn't allowed as an ONBUILD trigger`,
    FAILED('DOCKERFILE_INVALID', "STEP 2/2: ONBUILD FROM x: FROM isn't allowed as an ONBUILD trigger"),
  ],
  [
    'a Dockerfile without FROM (before any step)',
    bud,
    'Error: no FROM statement found',
    FAILED('DOCKERFILE_INVALID', 'the Dockerfile is invalid: no FROM statement found'),
  ],
  [
    'COPY --from a stage that does not exist',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: COPY --from=nostage /a /a
Error: COPY --from=nostage: no stage or image found with that name`,
    FAILED('DOCKERFILE_INVALID', 'the Dockerfile is invalid: COPY --from=nostage: no stage or image found with that name'),
  ],
  [
    'a step that fails otherwise: USER of an unknown user',
    bud,
    `STEP 1/3: FROM 127.0.0.1:45124/base:1
STEP 2/3: USER nosuchuser
STEP 3/3: RUN id
Error: building at STEP "RUN id": determining run uid: user: unknown user error looking up user "nosuchuser"`,
    FAILED(
      'DOCKERFILE_STEP_FAILED',
      'STEP 3/3: RUN id: determining run uid: user: unknown user error looking up user "nosuchuser"',
    ),
  ],
  [
    'ADD of a URL, sealed without network',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: ADD http://example.com/app.tgz /x
Error: building at STEP "ADD http://example.com/app.tgz /x": reading "http://example.com/app.tgz": Get "http://example.com/app.tgz": dial tcp: lookup example.com on 10.255.255.53:53: dial udp 10.255.255.53:53: connect: network is unreachable`,
    FAILED(
      'DOCKERFILE_STEP_FAILED',
      'STEP 2/2: ADD http://example.com/app.tgz /x: reading "http://example.com/app.tgz": Get "http://example.com/app.tgz": dial tcp: lookup example.com on 10.255.255.53:53: dial udp 10.255.255.53:53: connect: network is unreachable (Dockerfile steps have no network on a LOCAL cluster: put the file into the package)',
    ),
  ],
  [
    'the build machine’s disk is full: the platform’s',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/base:1
STEP 2/2: COPY package.jar /app/
Error: building at STEP "COPY package.jar /app/": copier: put: write /tmp/cap/p/root/vfs/dir/x/app/package.jar: no space left on device`,
    ERROR(
      'EXECUTOR_ERROR',
      'STEP 2/2: COPY package.jar /app/: the build machine failed: copier: put: write …/vfs/dir/x/app/package.jar: no space left on device',
    ),
  ],
  [
    'the image a FROM names was not pulled: the platform’s',
    bud,
    `STEP 1/2: FROM 127.0.0.1:45124/other:1
Error: creating build container: 127.0.0.1:45124/other:1: image not known`,
    ERROR('EXECUTOR_ERROR', 'buildah failed building the Dockerfile; its output is in the build log'),
  ],
];

describe('classifyBuildahFailure (real buildah output)', () => {
  it.each(rows)('%s', (_why, command, transcript, expected) => {
    const output = BuildahOutput.of(transcript.split('\n'));
    expect(classifyBuildahFailure(command, output, { hide: ['/tmp/cap/p/root'] })).toEqual(expected);
  });

  it('finds the failing step however much the RUN printed after it', () => {
    const output = new BuildahOutput();
    output.record('STEP 1/2: FROM base');
    output.record('STEP 2/2: RUN ./configure && make');
    for (let i = 0; i < 5000; i++) output.record(`cc -c file${i}.c`);
    output.record('make: *** [all] Error 2');
    output.record('Error: building at STEP "RUN ./configure && make": exit status 2');
    expect(classifyBuildahFailure(bud, output)).toEqual(
      FAILED('DOCKERFILE_STEP_FAILED', 'STEP 2/2: RUN ./configure && make: the command exited with code 2'),
    );
  });

  it('shortens a very long step', () => {
    const long = `RUN echo ${'x'.repeat(1000)}; exit 1`;
    const output = BuildahOutput.of([`STEP 2/2: ${long}`, `Error: building at STEP "${long}": exit status 1`]);
    const { message } = classifyBuildahFailure(bud, output);
    expect(message).toBe(`STEP 2/2: ${long}`.slice(0, 300) + '…: the command exited with code 1');
  });

  it('cuts the build folder out of anything it quotes', () => {
    const output = BuildahOutput.of([
      'STEP 2/2: RUN id',
      'Error: building at STEP "RUN id": mounting /srv/builds/p42-abc/sealed/storage: operation not permitted',
    ]);
    expect(classifyBuildahFailure(bud, output, { hide: ['/srv/builds/p42-abc'] }).message).toBe(
      'STEP 2/2: RUN id: mounting …/sealed/storage: operation not permitted',
    );
  });
});
