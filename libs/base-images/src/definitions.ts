import type { TechStack } from '@stagecraft/contracts';
import type { ContainerConfig } from '@stagecraft/oci';

/**
 * One base image of the embedded catalog: a Debian root file system with `packages` installed
 * (mmdebstrap), then `layout` run over it to lay it out and configure it like the official
 * image that `repository:tag` names, so a job that works on it works on the official one.
 */
export interface BaseImageDefinition {
  stack: TechStack;
  repository: string;
  /** What the image really holds: `python:3.13-slim` is Python 3.13. */
  tag: string;
  /** The Debian release the packages come from. */
  suite: 'bookworm' | 'trixie';
  packages: readonly string[];
  /** The packages whose versions the image's labels name, and the one its `version` label is. */
  labelled: readonly string[];
  /**
   * POSIX shell run on the host after the packages are installed, with `$R` the root file
   * system: Stagecraft's own files (entrypoint scripts, links, folders, users).
   */
  layout: string;
  /**
   * npm packages (`name@version`) fetched from the npm registry with the host's npm before the
   * build; the layout script finds each tarball's path in `$NPM_PACK_<n>` (0, 1, …).
   */
  npmPacks?: readonly string[];
  config: ContainerConfig;
  description: string;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Writes an executable file from a here-document: `script PATH <<'EOF' … EOF`. */
const SCRIPT_FUNCTION = `script() { mkdir -p "$(dirname "$R$1")"; cat > "$R$1"; chmod 755 "$R$1"; }`;

/** The temurin images' entrypoint: theirs adds certificates from a folder; Debian's JRE already trusts Debian's store. */
const TEMURIN_ENTRYPOINT = `script /__cacert_entrypoint.sh <<'EOF'
#!/bin/sh
# Stagecraft base image (Debian's OpenJDK): the entrypoint the official eclipse-temurin image names.
# Java here trusts Debian's CA store (ca-certificates-java), so there is nothing to add: run the command.
exec "$@"
EOF`;

/**
 * /opt/java/openjdk, as in the temurin images: Debian's JVM folder for `version`. Links are
 * relative: buildah's chroot isolation looks a command up on PATH before it enters the root file
 * system, where an absolute link would point into the host's.
 */
const openjdkHome = (version: number) => `mkdir -p "$R/opt/java"
jvm=$(cd "$R/usr/lib/jvm" && ls -d java-${version}-openjdk-* | head -n 1)
ln -s "../../usr/lib/jvm/$jvm" "$R/opt/java/openjdk"`;

const temurin = (version: number, suite: BaseImageDefinition['suite']): BaseImageDefinition => ({
  stack: 'JAVA',
  repository: 'eclipse-temurin',
  tag: `${version}-jre`,
  suite,
  packages: [`openjdk-${version}-jre-headless`],
  labelled: [`openjdk-${version}-jre-headless`],
  layout: [SCRIPT_FUNCTION, openjdkHome(version), TEMURIN_ENTRYPOINT].join('\n'),
  config: {
    Env: [`PATH=/opt/java/openjdk/bin:${PATH}`, 'JAVA_HOME=/opt/java/openjdk', 'LANG=C.UTF-8', `JAVA_VERSION=${version}`],
    Entrypoint: ['/__cacert_entrypoint.sh'],
  },
  description: `OpenJDK ${version} JRE (headless) from Debian ${suite}, laid out as eclipse-temurin:${version}-jre`,
});

const TOMCAT: BaseImageDefinition = {
  stack: 'TOMCAT',
  repository: 'tomcat',
  tag: '10.1-jre17',
  suite: 'bookworm',
  packages: ['openjdk-17-jre-headless', 'tomcat10'],
  labelled: ['tomcat10', 'openjdk-17-jre-headless'],
  // The official layout: CATALINA_HOME=/usr/local/tomcat holding bin (a copy, links resolved: it is on PATH), lib
  // and conf (Debian's) and empty webapps, logs, temp and work folders of its own; nothing deployed.
  layout: [
    SCRIPT_FUNCTION,
    openjdkHome(17),
    TEMURIN_ENTRYPOINT,
    `T="$R/usr/local/tomcat"
mkdir -p "$T/webapps" "$T/logs" "$T/temp" "$T/work"
cp -aL "$R/usr/share/tomcat10/bin" "$T/bin"
ln -s ../../share/tomcat10/lib "$T/lib"
cp -a "$R/etc/tomcat10" "$T/conf"
chmod 1777 "$T/logs" "$T/temp" "$T/work"
chmod 755 "$T/webapps"`,
  ].join('\n'),
  config: {
    Env: [
      `PATH=/usr/local/tomcat/bin:/opt/java/openjdk/bin:${PATH}`,
      'JAVA_HOME=/opt/java/openjdk',
      'CATALINA_HOME=/usr/local/tomcat',
      'LANG=C.UTF-8',
    ],
    Entrypoint: ['/__cacert_entrypoint.sh'],
    Cmd: ['catalina.sh', 'run'],
    WorkingDir: '/usr/local/tomcat',
    ExposedPorts: { '8080/tcp': {} },
  },
  description: 'Apache Tomcat 10.1 on OpenJDK 17 from Debian bookworm, laid out as tomcat:10.1-jre17',
};

/** The npm the official node:20 images bundle: the 10.x line. */
const NPM = 'npm@10.9.9';

const NODE: BaseImageDefinition = {
  stack: 'NODEJS',
  repository: 'node',
  tag: '20-slim',
  suite: 'trixie',
  // Debian's npm package pulls in some 500 others and takes four minutes to install; the official
  // image ships npm as Node.js releases bundle it, from the npm registry: so does this one.
  packages: ['nodejs'],
  labelled: ['nodejs'],
  npmPacks: [NPM],
  layout: [
    SCRIPT_FUNCTION,
    // The official image's entrypoint: a first argument that is an option or not a command runs with node.
    `script /usr/local/bin/docker-entrypoint.sh <<'EOF'
#!/bin/sh
set -e
if [ "\${1#-}" != "\${1}" ] || [ -z "$(command -v "\${1}")" ] || { [ -f "\${1}" ] && ! [ -x "\${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF`,
    `N="$R/usr/local/lib/node_modules/npm"
mkdir -p "$N"
tar -xzf "$NPM_PACK_0" -C "$N" --strip-components=1 --no-same-owner
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$R/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$R/usr/local/bin/npx"`,
    // The official image's user (uid and gid 1000); it runs as root unless told otherwise, as there.
    `echo 'node:x:1000:1000::/home/node:/bin/sh' >> "$R/etc/passwd"
echo 'node:x:1000:' >> "$R/etc/group"
echo 'node:*:20000:0:99999:7:::' >> "$R/etc/shadow"
mkdir -p "$R/home/node" && chown 1000:1000 "$R/home/node"`,
  ].join('\n'),
  config: {
    Env: [`PATH=${PATH}`, `NPM_VERSION=${NPM.slice('npm@'.length)}`],
    Entrypoint: ['docker-entrypoint.sh'],
    Cmd: ['node'],
  },
  description: `Node.js 20 from Debian trixie with ${NPM} from the npm registry, laid out as node:20-slim`,
};

const PYTHON: BaseImageDefinition = {
  stack: 'PYTHON',
  repository: 'python',
  tag: '3.13-slim',
  suite: 'trixie',
  packages: ['python3', 'python3-pip'],
  labelled: ['python3', 'python3-pip'],
  // The official image has `python` and `pip`, and no EXTERNALLY-MANAGED marker: pip installs as there.
  layout: `mkdir -p "$R/usr/local/bin"
ln -s ../../bin/python3 "$R/usr/local/bin/python"
ln -s ../../bin/pip3 "$R/usr/local/bin/pip"
rm -f "$R"/usr/lib/python3.*/EXTERNALLY-MANAGED`,
  config: { Env: [`PATH=${PATH}`, 'LANG=C.UTF-8'], Cmd: ['python3'] },
  description: 'Python 3.13 and pip from Debian trixie, laid out as python:3.13-slim',
};

const PHP: BaseImageDefinition = {
  stack: 'PHP',
  repository: 'php',
  tag: '8.4-apache',
  suite: 'trixie',
  packages: ['apache2', 'libapache2-mod-php8.4', 'php8.4-cli'],
  labelled: ['php8.4-cli', 'apache2', 'libapache2-mod-php8.4'],
  layout: [
    SCRIPT_FUNCTION,
    `script /usr/local/bin/docker-php-entrypoint <<'EOF'
#!/bin/sh
set -e
# As the official image: options alone are apache2-foreground's.
if [ "\${1#-}" != "$1" ]; then
  set -- apache2-foreground "$@"
fi
exec "$@"
EOF`,
    `script /usr/local/bin/apache2-foreground <<'EOF'
#!/bin/sh
set -e
# As the official image: Debian's envvars, the run, lock and log folders, Apache in the foreground.
: "\${APACHE_CONFDIR:=/etc/apache2}"
: "\${APACHE_ENVVARS:=$APACHE_CONFDIR/envvars}"
if [ -f "$APACHE_ENVVARS" ]; then . "$APACHE_ENVVARS"; fi
: "\${APACHE_RUN_DIR:=/var/run/apache2}"
: "\${APACHE_PID_FILE:=$APACHE_RUN_DIR/apache2.pid}"
rm -f "$APACHE_PID_FILE"
mkdir -p "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR"
exec apache2 -DFOREGROUND "$@"
EOF`,
    // Logs to the container's output, an empty www-data-owned DocumentRoot, php.ini where PHP_INI_DIR says.
    `L="$R/var/log/apache2"
mkdir -p "$L"
ln -sfT /dev/stderr "$L/error.log"
ln -sfT /dev/stdout "$L/access.log"
ln -sfT /dev/stdout "$L/other_vhosts_access.log"
rm -rf "$R/var/www/html" && mkdir -p "$R/var/www/html" && chown 33:33 "$R/var/www/html" && chmod 777 "$R/var/www/html"
mkdir -p "$R/usr/local/etc"
ln -s ../../../etc/php/8.4/apache2 "$R/usr/local/etc/php"
printf 'ServerName localhost\\n' > "$R/etc/apache2/conf-available/servername.conf"
ln -s ../conf-available/servername.conf "$R/etc/apache2/conf-enabled/servername.conf"`,
  ].join('\n'),
  config: {
    Env: [`PATH=${PATH}`, 'PHP_INI_DIR=/usr/local/etc/php', 'APACHE_CONFDIR=/etc/apache2', 'APACHE_ENVVARS=/etc/apache2/envvars'],
    Entrypoint: ['docker-php-entrypoint'],
    Cmd: ['apache2-foreground'],
    WorkingDir: '/var/www/html',
    ExposedPorts: { '80/tcp': {} },
    StopSignal: 'SIGWINCH',
  },
  description: 'PHP 8.4 with Apache (mod_php) from Debian trixie, laid out as php:8.4-apache',
};

/** The embedded catalog, in the order `baseImages` answers it: each stack's first image is its default. */
export const BASE_IMAGES: readonly BaseImageDefinition[] = [
  temurin(17, 'bookworm'),
  temurin(21, 'trixie'),
  TOMCAT,
  NODE,
  PYTHON,
  PHP,
];
