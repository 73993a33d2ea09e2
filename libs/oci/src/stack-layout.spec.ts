import type { TechStack } from '@stagecraft/contracts';

import type { ContainerConfig } from './manifest.types';
import { applyStackConfig, type PackageFacts, parseProcfile, placementFor, resolveLayout } from './stack-layout';

const layout = resolveLayout();

/** The official images' settings that matter here (docker inspect of each). */
const BASES: Record<TechStack, ContainerConfig> = {
  JAVA: { Entrypoint: ['/__cacert_entrypoint.sh'], Cmd: ['jshell'], Env: ['JAVA_HOME=/opt/java/openjdk'] },
  TOMCAT: { Entrypoint: ['/__cacert_entrypoint.sh'], Cmd: ['catalina.sh', 'run'], WorkingDir: '/usr/local/tomcat' },
  NODEJS: { Entrypoint: ['docker-entrypoint.sh'], Cmd: ['node'] },
  PYTHON: { Cmd: ['python3'], Env: ['LANG=C.UTF-8'] },
  PHP: {
    Entrypoint: ['docker-php-entrypoint'],
    Cmd: ['apache2-foreground'],
    WorkingDir: '/var/www/html',
    ExposedPorts: { '80/tcp': {} },
    User: '',
  },
};

const facts = (files: string[], procfile: string | null = null): PackageFacts => ({
  has: (path) => files.includes(path),
  procfile,
});

describe('applyStackConfig: each stack’s command without a Procfile', () => {
  it.each<[string, TechStack, PackageFacts, ContainerConfig, string[]]>([
    [
      'JAVA runs the JAR itself',
      'JAVA',
      facts([]),
      { Entrypoint: ['java', '-jar', '/app/app.jar'], WorkingDir: '/app', Env: ['JAVA_HOME=/opt/java/openjdk'] },
      [],
    ],
    [
      'TOMCAT keeps the base’s command',
      'TOMCAT',
      facts([]),
      BASES.TOMCAT,
      ["Tomcat deploys /usr/local/tomcat/webapps/ROOT.war at / with the base image's command"],
    ],
    [
      'NODEJS runs npm start in /app',
      'NODEJS',
      facts(['package.json', 'server.js']),
      { Entrypoint: ['docker-entrypoint.sh'], Cmd: ['npm', 'start'], WorkingDir: '/app' },
      ['Cmd set to npm start in /app: package.json\'s "start" script, or node server.js without one'],
    ],
    [
      'PYTHON runs a runnable folder',
      'PYTHON',
      facts(['__main__.py']),
      { Cmd: ['python3', '/app'], WorkingDir: '/app', Env: ['LANG=C.UTF-8'] },
      ['Cmd set to python3 /app: the package has a top-level __main__.py'],
    ],
    [
      'PYTHON without __main__.py keeps the base’s command',
      'PYTHON',
      facts(['app.py']),
      { Cmd: ['python3'], WorkingDir: '/app', Env: ['LANG=C.UTF-8'] },
      ['Cmd left as the base image\'s (["python3"]): the package has no top-level __main__.py'],
    ],
    [
      'PHP keeps the base’s Apache',
      'PHP',
      facts(['index.php']),
      BASES.PHP,
      ["PHP files served from /var/www/html with the base image's command"],
    ],
  ])('%s', (_why, stack, packageFacts, config, notes) => {
    expect(applyStackConfig(stack, BASES[stack], layout, packageFacts)).toEqual({ config, notes });
  });

  it('does not change the base config it was given', () => {
    const base = structuredClone(BASES.NODEJS);
    applyStackConfig('NODEJS', base, layout, facts([], 'web: node app.js'));
    expect(base).toEqual(BASES.NODEJS);
  });
});

describe('applyStackConfig: a Procfile web: line sets the command of a folder package', () => {
  it.each<[TechStack, string, PackageFacts, string]>([
    [
      'NODEJS',
      '/app',
      facts(['package.json'], 'web: node --enable-source-maps dist/main.js\n'),
      'node --enable-source-maps dist/main.js',
    ],
    [
      'PYTHON',
      '/app',
      facts(['__main__.py'], 'web: gunicorn app:app --bind 0.0.0.0:$PORT\n'),
      'gunicorn app:app --bind 0.0.0.0:$PORT',
    ],
    [
      'PHP',
      '/var/www/html',
      facts(['index.php'], 'web: php -S 0.0.0.0:8080 -t /var/www/html\r\n'),
      'php -S 0.0.0.0:8080 -t /var/www/html',
    ],
  ])('%s: /bin/sh -c in %s, the base’s Entrypoint cleared', (stack, folder, packageFacts, command) => {
    const { config, notes } = applyStackConfig(stack, BASES[stack], layout, packageFacts);
    expect(config.Cmd).toEqual(['/bin/sh', '-c', command]);
    expect(config.Entrypoint).toBeUndefined();
    expect(config.WorkingDir).toBe(folder);
    // The rest of the base's settings stay.
    expect(config.Env).toEqual(BASES[stack].Env);
    expect(config.ExposedPorts).toEqual(BASES[stack].ExposedPorts);
    expect(notes).toEqual([
      `Command set by the package's Procfile (web: ${command}): /bin/sh -c in ${folder}, the base image's Entrypoint (${JSON.stringify(BASES[stack].Entrypoint ?? null)}) cleared`,
    ]);
  });

  it('keeps the stack’s default, and says so, when the Procfile has no web: line', () => {
    expect(applyStackConfig('PYTHON', BASES.PYTHON, layout, facts(['__main__.py'], 'worker: celery -A app worker\n'))).toEqual({
      config: { Cmd: ['python3', '/app'], WorkingDir: '/app', Env: ['LANG=C.UTF-8'] },
      notes: [
        "The package's Procfile has no web: line (only worker): the PYTHON default command is kept",
        'Cmd set to python3 /app: the package has a top-level __main__.py',
      ],
    });
    expect(applyStackConfig('NODEJS', BASES.NODEJS, layout, facts([], '# nothing yet\n')).notes[0]).toBe(
      "The package's Procfile has no web: line (no process at all): the NODEJS default command is kept",
    );
  });

  it.each<TechStack>(['JAVA', 'TOMCAT'])('%s: a JAR or WAR is one file, so a Procfile never applies', (stack) => {
    const withProcfile = applyStackConfig(stack, BASES[stack], layout, facts([], 'web: java -Xmx1g -jar /app/app.jar'));
    expect(withProcfile).toEqual(applyStackConfig(stack, BASES[stack], layout, facts([])));
    expect(placementFor(stack, layout).kind).toBe('file');
  });
});

describe('parseProcfile', () => {
  it.each<[string, string, Record<string, string>]>([
    ['one web line', 'web: npm run serve', { web: 'npm run serve' }],
    [
      'several types, comments, blank lines, CRLF and a BOM',
      '\uFEFF# processes\r\nweb:  bundle exec puma -C config/puma.rb \r\n\r\nworker: sidekiq\r\n',
      { web: 'bundle exec puma -C config/puma.rb', worker: 'sidekiq' },
    ],
    ['a later line of the same type wins (foreman)', 'web: a\nweb: b\n', { web: 'b' }],
    ['colons inside the command stay', 'web: gunicorn -b 0.0.0.0:8000 app:app', { web: 'gunicorn -b 0.0.0.0:8000 app:app' }],
    ['a type without a command names nothing', 'web:\nrelease:   \n', {}],
    ['lines that are not "type: command" are skipped', 'this is not a procfile\n web: indented\nweb node x\n', {}],
    ['type names are letters, digits, _ and -', 'web-2: x\nlow_prio: y\n', { 'web-2': 'x', low_prio: 'y' }],
  ])('%s', (_why, text, expected) => {
    expect(Object.fromEntries(parseProcfile(text))).toEqual(expected);
  });
});
