// Throw-away X.509 material for the fake API server: a CA, a server certificate for 127.0.0.1 and
// localhost, and client certificates. node-forge is a devDependency, so this stays test-only.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

import forge from 'node-forge';

export interface KeyAndCertificate {
  certPem: string;
  keyPem: string;
}

export interface TestCa extends KeyAndCertificate {
  /** A leaf certificate for 127.0.0.1, ::1 and localhost, usable by an HTTPS server. */
  issueServerCertificate(hosts?: string[]): KeyAndCertificate;
  /** A client certificate; Kubernetes reads the user from CN and the groups from O. */
  issueClientCertificate(commonName: string, organizations?: string[]): KeyAndCertificate;
}

const { pki } = forge;

interface Keys {
  publicKey: forge.pki.PublicKey;
  privateKeyPem: string;
}

// Keys are made and certificates signed by Node's native crypto; node-forge only assembles the
// X.509 structures (its pure-JS RSA would add about a second to every fake server start).
function newKeys(): Keys {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const forgeKey = pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKeyPem: privateKey, publicKey: pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

/** cert.sign() feeds the DER TBSCertificate to the digest and asks the key to sign the digest. */
function signNatively(cert: forge.pki.Certificate, signerPem: string): void {
  let tbs = '';
  const collector = { algorithm: 'sha256', update: (bytes: string) => void (tbs += bytes) };
  const signer = { sign: () => sign('sha256', Buffer.from(tbs, 'binary'), signerPem).toString('binary') };
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, collector as unknown as forge.md.MessageDigest);
}

function newCertificate(publicKey: forge.pki.PublicKey, validDays: number): forge.pki.Certificate {
  const cert = pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: a leading byte below 0x80.
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + validDays * 24 * 60 * 60 * 1000);
  return cert;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function createTestCa(commonName = 'stagecraft-test-ca'): TestCa {
  const caKeys = newKeys();
  const caCert = newCertificate(caKeys.publicKey, 3650);
  const caSubject = [{ name: 'commonName', value: commonName }];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signNatively(caCert, caKeys.privateKeyPem);

  // All leaves of one CA share a key pair: RSA key generation is the slow part, and test
  // certificates need distinct identities, not distinct keys.
  let leafKeys: Keys | undefined;
  const issue = (subject: forge.pki.CertificateField[], extensions: object[]): KeyAndCertificate => {
    const keys = (leafKeys ??= newKeys());
    const cert = newCertificate(keys.publicKey, 30);
    cert.setSubject(subject);
    cert.setIssuer(caCert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
      ...extensions,
    ]);
    signNatively(cert, caKeys.privateKeyPem);
    return { certPem: pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
  };

  return {
    certPem: pki.certificateToPem(caCert),
    keyPem: caKeys.privateKeyPem,
    issueServerCertificate: (hosts = ['127.0.0.1', '::1', 'localhost']) =>
      issue(
        [{ name: 'commonName', value: 'kube-apiserver' }],
        [
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', serverAuth: true },
          {
            name: 'subjectAltName',
            altNames: hosts.map((h) => (IPV4.test(h) || h.includes(':') ? { type: 7, ip: h } : { type: 2, value: h })),
          },
        ],
      ),
    issueClientCertificate: (cn, organizations = []) =>
      issue(
        [{ name: 'commonName', value: cn }, ...organizations.map((o) => ({ name: 'organizationName', value: o }))],
        [
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', clientAuth: true },
        ],
      ),
  };
}

let shared: { ca: TestCa; server: KeyAndCertificate; otherCa: TestCa | undefined } | undefined;

/** One CA and server certificate per test process: RSA keys are the slow part of starting a fake. */
export function sharedTestPki(): { ca: TestCa; server: KeyAndCertificate; otherCa: () => TestCa } {
  if (!shared) {
    const ca = createTestCa();
    shared = { ca, server: ca.issueServerCertificate(), otherCa: undefined };
  }
  const s = shared;
  return { ca: s.ca, server: s.server, otherCa: () => (s.otherCa ??= createTestCa('stagecraft-untrusted-ca')) };
}
