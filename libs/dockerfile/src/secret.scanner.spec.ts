import { parseDockerfile } from './dockerfile.parser';
import { maskDockerfile, maskFindings, maskSecrets, scanForSecrets } from './secret.scanner';

function scan(text: string) {
  const parsed = parseDockerfile(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return scanForSecrets(parsed.instructions);
}

const KEY_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun';

describe('scanForSecrets', () => {
  it.each([
    [
      'RUN cat > /root/.ssh/id_rsa <<KEY\n-----BEGIN RSA PRIVATE KEY-----\n' + KEY_BODY + '\n-----END RSA PRIVATE KEY-----\nKEY',
      'private-key',
      3,
    ],
    ['ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', 'cloud-access-key', 2],
    ['ENV aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'cloud-access-key', 2],
    ['RUN mysql --user=root --password=S3cr3tPass -e "select 1"', 'password-literal', 2],
    ['ENV DB_PASSWORD="hunter22"', 'password-literal', 2],
    ['RUN echo ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 > ~/.token', 'token', 2],
    ['RUN echo dGhpcy1pcy1hLXZlcnktbG9uZy10b2tlbi12YWx1ZQ123 | base64 -d', 'token', 2],
    ['RUN cat > /etc/app.conf <<EOF\napi_key: 8f14e45fceea167a5a36dedd4bea2543\nEOF', 'password-literal', 3],
  ])('finds %s', (line, kind, lineNumber) => {
    const findings = scan(`FROM alpine\n${line}`);
    expect(findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind, line: lineNumber })]));
  });

  it.each([
    ['RUN echo "building $VERSION"'],
    ['ENV DB_PASSWORD=$DB_PASSWORD'],
    ['ARG TOKEN'],
    ['RUN apt-get install -y openssh-client'],
    ['COPY target/app.jar /app/app.jar'],
  ])('does not flag %s', (line) => {
    expect(scan(`FROM alpine\n${line}`)).toEqual([]);
  });

  it('masks every finding, line by line, in log text', () => {
    const findings = scan(
      `FROM alpine\nENV DB_PASSWORD="hunter22"\nCOPY <<KEY /k\n-----BEGIN PRIVATE KEY-----\n${KEY_BODY}\n-----END PRIVATE KEY-----\nKEY`,
    );
    const log = `step 2: ENV DB_PASSWORD="hunter22"\nstep 3: ${KEY_BODY}\n`;
    const masked = maskSecrets(
      log,
      findings.map((f) => f.value),
    );
    expect(masked).toBe('step 2: ENV DB_PASSWORD="****"\nstep 3: ****\n');
  });

  // The corpus: each line is written after `FROM alpine` (line 1), so a one-line case is line 2.
  it.each([
    ['ENV DB_PASSWORD hunter2hunter2', 'secret-variable', 'hunter2hunter2'],
    ['ENV DB_PASSWORD=hunter2hunter2', 'password-literal', 'hunter2hunter2'],
    ["ENV APP_SECRET='s3cr3t value'", 'secret-variable', 's3cr3t value'],
    ['ENV MYSQL_ROOT_PASSWD="rootpw"', 'password-literal', 'rootpw'],
    ['ENV GITHUB_TOKEN abcdefgh12345678', 'secret-variable', 'abcdefgh12345678'],
    ['ENV STRIPE_API_KEY=sk_live_abc123', 'password-literal', 'sk_live_abc123'],
    ['ENV S3_ACCESS_KEY=minioadmin', 'secret-variable', 'minioadmin'],
    ['ENV JWT_PRIVATE_KEY=MIIBOgIBAAJBAK', 'secret-variable', 'MIIBOgIBAAJBAK'],
    ['ENV GOOGLE_CREDENTIALS=eyJrIjoidiJ9', 'secret-variable', 'eyJrIjoidiJ9'],
    ['ENV DB_PWD=pw', 'secret-variable', 'pw'],
    ['ENV LANG=C.UTF-8 DB_PASS=hunter2 TZ=UTC', 'secret-variable', 'hunter2'],
    ['ARG REGISTRY_PASSWORD=hunter2hunter2', 'password-literal', 'hunter2hunter2'],
    ['ARG NPM_TOKEN=abcd1234efgh', 'password-literal', 'abcd1234efgh'],
    ['ARG SIGNING_PASSPHRASE=opensesame', 'secret-variable', 'opensesame'],
    ['ENV DATABASE_URL=postgres://u:pw@h/db', 'url-password', 'pw'],
    ['RUN psql "postgresql://app:Sup3rS3cret@db.internal:5432/app" -c "select 1"', 'url-password', 'Sup3rS3cret'],
    ['RUN git clone https://deploy:glpat4real@gitlab.example.com/x/y.git', 'url-password', 'glpat4real'],
    ['ENV AMQP_URL amqp://guest:guest@rabbit:5672/', 'url-password', 'guest'],
    ['RUN mysql -uroot -pTopSecretPass123 -e "select 1"', 'command-password', 'TopSecretPass123'],
    ['RUN mysqldump -h db -P 3306 -u root -p"Quoted Pw" app > dump.sql', 'command-password', 'Quoted Pw'],
    ['RUN sshpass -p Hunter2Hunter2 ssh deploy@host true', 'command-password', 'Hunter2Hunter2'],
    ['RUN docker login --password dockerhubpw -u me registry.example.com', 'command-password', 'dockerhubpw'],
    ['RUN pip install --index-url https://pypi.example.com --pass pippass app', 'command-password', 'pippass'],
    ['RUN openssl pkcs12 -export -passout pass:exportpw -out a.p12', 'command-password', 'exportpw'],
    ['RUN curl -u admin:pass https://nexus.example.com/repo/app.jar -o app.jar', 'command-password', 'pass'],
    ['RUN curl --user deployer:Depl0yPw -O https://x.example.com/a', 'command-password', 'Depl0yPw'],
    ['RUN curl --user=deployer:Depl0yPw2 -O https://x.example.com/a', 'command-password', 'Depl0yPw2'],
    ['RUN apt-get update && \\\n    curl -u admin:pa55 https://x.example.com/a', 'command-password', 'pa55'],
  ])('corpus: finds %j', (line, kind, value) => {
    const findings = scan(`FROM alpine\n${line}`);
    expect(findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind, value })]));
    const finding = findings.find((f) => f.value === value)!;
    // The line is the one the value is written on (a continued RUN spans two).
    expect(finding.line).toBe(2 + (line.slice(0, line.indexOf(value)).match(/\n/g)?.length ?? 0));
    expect(finding.message).not.toContain(value);
  });

  it.each([
    ['ENV PASSWORD_FILE /run/secrets/x'],
    ['ENV DB_PASSWORD_FILE=/run/secrets/db_password'],
    ['ENV SSL_PRIVATE_KEY /etc/ssl/private/app.key'],
    ['ENV PWD=/app'],
    ['ENV TOKEN_URL=https://auth.example.com/oauth/token'],
    ['ENV ACCESS_KEY_ID=${ACCESS_KEY_ID}'],
    ['ENV DB_PASSWORD=${PASSWORD}'],
    ['ENV DB_PASSWORD ${PASSWORD}'],
    ['ENV FEATURE_SECRET_SCAN=true'],
    ['ARG TOKEN'],
    ['ARG DB_PASSWORD'],
    ['ARG VERSION=1.2.3'],
    ['EXPOSE 8080'],
    ['RUN docker run -p 8080:80 nginx'],
    ['RUN mkdir -p /app && cp -pr /src /app'],
    ['RUN mysql -p app < schema.sql'],
    ['RUN mysql -u root -p"$MYSQL_ROOT_PASSWORD" -e "select 1"'],
    ['RUN echo "$REGISTRY_PASSWORD" | docker login --password-stdin -u me registry.example.com'],
    ['RUN curl -u "$USER:$PASS" https://x.example.com/a'],
    ['RUN curl -u ${NEXUS_USER}:${NEXUS_PASSWORD} https://x.example.com/a'],
    ['RUN useradd -u 1000 app && chown 1000:1000 /app'],
    ['RUN docker run -u 1000:1000 busybox true'],
    ['RUN pip install --user flask'],
    ['RUN git clone https://github.com/example/app.git'],
    ['RUN curl -fsSL https://user@example.com/a'],
    ['RUN --mount=type=secret,id=db_password cat /run/secrets/db_password'],
    ['USER app:app'],
  ])('corpus: does not flag %j', (line) => {
    expect(scan(`FROM alpine\n${line}`)).toEqual([]);
  });

  it('masks a short value where it was written, without touching the same letters elsewhere', () => {
    const findings = scan('FROM alpine\nENV DATABASE_URL=postgres://u:pw@h/db\nRUN curl -u admin:pass https://x/a');
    expect(findings.map((f) => [f.line, f.kind])).toEqual([
      [2, 'url-password'],
      [3, 'command-password'],
    ]);
    const log = 'STEP 2/3: ENV DATABASE_URL=postgres://u:pw@h/db\nSTEP 3/3: RUN curl -u admin:pass https://x/a\npwd is /';
    expect(maskFindings(log, findings)).toBe(
      'STEP 2/3: ENV DATABASE_URL=postgres://u:****@h/db\nSTEP 3/3: RUN curl -u admin:**** https://x/a\npwd is /',
    );
  });

  it('masks a stored Dockerfile: every flagged value, and nothing else', () => {
    const dockerfile = [
      'FROM alpine',
      'ENV DB_PASSWORD hunter2hunter2',
      'ENV LANG=C.UTF-8 API_KEY=abc123def456',
      'RUN mysql -pTopSecretPass123 -e "select 1" && echo hunter2hunter2',
      'RUN curl -u admin:pass https://x/a',
      'CMD ["node", "server.js"]',
    ].join('\n');
    expect(maskDockerfile(dockerfile)).toBe(
      [
        'FROM alpine',
        'ENV DB_PASSWORD ****',
        'ENV LANG=C.UTF-8 API_KEY=****',
        'RUN mysql -p**** -e "select 1" && echo ****',
        'RUN curl -u admin:**** https://x/a',
        'CMD ["node", "server.js"]',
      ].join('\n'),
    );
    expect(maskDockerfile('FROM alpine\nRUN echo hi')).toBe('FROM alpine\nRUN echo hi');
  });
});
