// The attacks of issue 9 below the GraphQL surface, each run against the test run's nats-server
// (authenticated, with the permissions generated for production) and the whole platform:
// anonymous clients, subscribing to everything, forged iam answers, forged build events,
// reading another process's replies, managing streams.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';

import {
  BUILD_EVENTS_STREAM,
  IamSubjects,
  PROCESS_IDENTITIES,
  type ProcessIdentity,
  type Subject,
  SUBJECT_SENDERS,
  subjectOwner,
} from '@stagecraft/contracts';
import { JetStreamStreams } from '@stagecraft/messaging';
import { connectTestNats, testNatsUrl, testSubjectPrefix } from '@stagecraft/testing';
import { exportJWK, SignJWT } from 'jose';
import { connect, type NatsConnection } from 'nats';

import { type Platform, startPlatform } from './platform-harness';

const SUBJECTS = Object.keys(SUBJECT_SENDERS) as Subject[];
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

/** Runs `act` as `identity` and answers the permission violations the server reported. */
async function violationsOf(identity: ProcessIdentity, act: (connection: NatsConnection) => void): Promise<Set<string>> {
  const connection = await connectTestNats(identity);
  const seen = new Set<string>();
  void (async () => {
    for await (const status of connection.status()) {
      const context = (status as { permissionContext?: { operation: string; subject: string } }).permissionContext;
      if (context) seen.add(`${context.operation} ${context.subject}`);
    }
  })();
  try {
    act(connection);
    await connection.flush();
    await settle();
    return seen;
  } finally {
    await connection.close();
  }
}

describe('NATS: every process is its own user, held to its own subjects', () => {
  const prefix = testSubjectPrefix();

  it('refuses a client without credentials', async () => {
    await expect(connect({ servers: testNatsUrl(), reconnect: false })).rejects.toThrow(/authorization violation/i);
  });

  it.each(PROCESS_IDENTITIES)('%s may send only the requests SUBJECT_SENDERS names it for', async (identity) => {
    const refused = await violationsOf(identity, (connection) => {
      for (const subject of SUBJECTS) connection.publish(prefix + subject);
    });
    const expected = SUBJECTS.filter((subject) => !SUBJECT_SENDERS[subject].includes(identity)).map(
      (s) => `publish ${prefix}${s}`,
    );
    expect([...refused].sort()).toEqual(expected.sort());
  });

  it.each(PROCESS_IDENTITIES)(
    '%s may listen only on the subjects it answers (no process can stand in for another)',
    async (identity) => {
      const refused = await violationsOf(identity, (connection) => {
        for (const subject of SUBJECTS) connection.subscribe(prefix + subject);
      });
      const expected = SUBJECTS.filter((subject) => subjectOwner(subject) !== identity).map((s) => `subscription ${prefix}${s}`);
      expect([...refused].sort()).toEqual(expected.sort());
    },
  );

  it.each(PROCESS_IDENTITIES)("%s may not subscribe to everything, nor read another process's replies", async (identity) => {
    const others = PROCESS_IDENTITIES.filter((other) => other !== identity);
    const refused = await violationsOf(identity, (connection) => {
      connection.subscribe('>');
      connection.subscribe('_INBOX.>');
      for (const other of others) connection.subscribe(`_INBOX_${other}.>`);
    });
    expect([...refused].sort()).toEqual(
      ['subscription >', 'subscription _INBOX.>', ...others.map((other) => `subscription _INBOX_${other}.>`)].sort(),
    );
  });

  it.each(PROCESS_IDENTITIES.filter((identity) => identity !== 'builds'))('%s may not publish build events', async (identity) => {
    const subject = `${prefix}events.builds.acct.ep.job.build.succeeded`;
    const refused = await violationsOf(identity, (connection) => connection.publish(subject, '{}'));
    expect([...refused]).toEqual([`publish ${subject}`]);
  });

  // Only builds purges the stream: the history pruner removes pruned builds' events (as strong as
  // the stream UPDATE builds always had, which could age every event out). Nobody deletes it.
  it.each(PROCESS_IDENTITIES)('%s may not delete the build event stream, nor purge it unless it is builds', async (identity) => {
    const stream = JetStreamStreams.nameFor(prefix, BUILD_EVENTS_STREAM);
    const refused = await violationsOf(identity, (connection) => {
      connection.publish(`$JS.API.STREAM.DELETE.${stream}`);
      connection.publish(`$JS.API.STREAM.PURGE.${stream}`);
      connection.publish('$JS.API.STREAM.DELETE.OTHER');
    });
    expect([...refused].sort()).toEqual(
      [
        `publish $JS.API.STREAM.DELETE.${stream}`,
        ...(identity === 'builds' ? [] : [`publish $JS.API.STREAM.PURGE.${stream}`]),
        'publish $JS.API.STREAM.DELETE.OTHER',
      ].sort(),
    );
  });
});

describe('NATS attacks against the running platform', () => {
  // Whole-platform tests share the machine with the rest of the suite; connecting is not what they measure.
  jest.setTimeout(90_000);
  let platform: Platform;
  let admin: string;
  let nobody: string;

  beforeAll(async () => {
    platform = await startPlatform();
    admin = await platform.adminToken();
    nobody = await userWithoutPolicy('nobody');
  });
  afterAll(() => platform.close());

  async function userWithoutPolicy(name: string): Promise<string> {
    const created = await platform.gql<{ createUser: { id: string } }>(
      `mutation($n: String!) { createUser(name: $n) { id } }`,
      { n: name },
      admin,
    );
    const key = await platform.gql<{ createAccessKey: { accessKey: string; secretKey: string } }>(
      `mutation($u: ID!) { createAccessKey(userId: $u) }`,
      { u: created.data!.createUser.id },
      admin,
    );
    const { accessKey, secretKey } = key.data!.createAccessKey;
    const login = await platform.gql<{ createAccessToken: string }>(
      `mutation($a: String!, $s: String!) { createAccessToken(accessKey: $a, secretKey: $s) }`,
      { a: accessKey, s: secretKey },
    );
    return login.data!.createAccessToken;
  }

  /** Every identity but iam tries to answer `subject`; answers how many requests reached a forger. */
  async function forgeAnswers(subject: string, answer: unknown): Promise<{ reached: () => number; stop: () => Promise<void> }> {
    let reached = 0;
    const forgers: NatsConnection[] = [];
    for (const identity of PROCESS_IDENTITIES.filter((id) => id !== 'iam')) {
      const forger = await connectTestNats(identity);
      forgers.push(forger);
      forger.subscribe(platform.subjectPrefix + subject, {
        // A refused subscription is closed with the violation as `error`; a message is a real delivery.
        callback: (error, message) => {
          if (error) return;
          reached += 1;
          message.respond(JSON.stringify({ data: answer }));
        },
      });
    }
    return { reached: () => reached, stop: async () => void (await Promise.all(forgers.map((f) => f.close()))) };
  }

  it('a forged iam.rules.get.v1 answer ("manage all") reaches nobody: a user without policy stays refused', async () => {
    const forged = await forgeAnswers(IamSubjects.getCallerRules, {
      userId: 'x',
      accountId: 'x',
      isAdmin: true,
      rules: [{ action: 'manage', subject: 'all' }],
    });
    try {
      for (let attempt = 0; attempt < 10; attempt++) {
        const response = await platform.gql(
          `mutation { createPackageUpload(name: "stolen${attempt}", version: "1", source: SWR) { package { id } } }`,
          {},
          nobody,
        );
        expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      expect(forged.reached()).toBe(0);
    } finally {
      await forged.stop();
    }
  });

  it("a forged iam.keys.get.v1 answer reaches nobody: an admin token signed with the attacker's key is refused", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'attacker', alg: 'EdDSA', use: 'sig' };
    const forged = await forgeAnswers(IamSubjects.getSigningKeys, { keys: [jwk] });
    try {
      const me = await platform.gql<{ me: { id: string } }>(`{ me { id } }`, {}, admin);
      const token = await new SignJWT({ acc: 'x', adm: true })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'attacker' })
        .setSubject(me.data!.me.id)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })));
      for (let attempt = 0; attempt < 10; attempt++) {
        const response = await platform.gql(`{ me { id } }`, {}, token);
        expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      expect(forged.reached()).toBe(0);
    } finally {
      await forged.stop();
    }
  });

  it('nobody but iam reads access-key logins in flight, and the secret key of a new access key', async () => {
    let read = 0;
    // gateway first: it may read its own inbox, and only that.
    const sniffers = await Promise.all(PROCESS_IDENTITIES.filter((id) => id !== 'iam').map((id) => connectTestNats(id)));
    for (const [index, sniffer] of sniffers.entries()) {
      // The logins' replies travel in the gateway's inbox: only the gateway's own identity reads it.
      if (index > 0) sniffer.subscribe('_INBOX_gateway.>', { callback: (error) => void (error || (read += 1)) });
      for (const subject of [IamSubjects.createAccessToken, IamSubjects.createAccessKey, '>']) {
        sniffer.subscribe(subject === '>' ? subject : platform.subjectPrefix + subject, {
          callback: (error) => void (error || (read += 1)),
        });
      }
    }
    try {
      await platform.adminToken();
      await userWithoutPolicy('someone');
      await settle();
      expect(read).toBe(0);
    } finally {
      await Promise.all(sniffers.map((sniffer) => sniffer.close()));
    }
  });

  it('a forged build event never enters the stream', async () => {
    const reader = await connectTestNats('gateway');
    try {
      const jsm = await reader.jetstreamManager();
      const stream = JetStreamStreams.nameFor(platform.subjectPrefix, BUILD_EVENTS_STREAM);
      const before = (await jsm.streams.info(stream)).state.last_seq;
      for (const identity of PROCESS_IDENTITIES.filter((id) => id !== 'builds')) {
        const forger = await connectTestNats(identity);
        forger.publish(
          `${platform.subjectPrefix}events.builds.acct.ep.job.build.succeeded`,
          JSON.stringify({ image: 'evil/image' }),
        );
        await forger.flush();
        await forger.close();
      }
      await settle();
      expect((await jsm.streams.info(stream)).state.last_seq).toBe(before);
    } finally {
      await reader.close();
    }
  });
});
