import { parseDockerfile } from './dockerfile.parser';
import { maskSecrets, scanForSecrets } from './secret.scanner';

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
});
