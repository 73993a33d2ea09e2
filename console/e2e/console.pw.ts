// The console in a real browser against `npm start` (issue 15's acceptance flow): sign in,
// upload a JAR with its progress seen, a broken rule shown on its field, Build, the log live,
// SUCCEEDED with a digest; a Deny of servicestage:assembling:create disables Build; another
// project's job is not reachable by URL. Each page is checked with axe and photographed.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test, type TestInfo } from '@playwright/test';

import { replicasOf } from '../../deploy/local/test/process-tree';
import { FakeJobController } from '../../libs/kube/src/testing/fake-job-controller';
import { FakeKubeApiServer } from '../../libs/kube/src/testing/fake-kube-api-server';
import { type AccessKey, adminKey, consoleUrl, createMember, paddedJar, projectId, registry } from './platform';

const MEMBER_ACTIONS = ['servicestage:*:*'];

test.describe.configure({ mode: 'serial' });

let jobUrl = '';
let buildUrl = '';

test('an administrator uploads a JAR, sees a broken rule on its field, builds it and watches it succeed', async ({
  page,
}, testInfo) => {
  const violations = watchCsp(page);
  const response = await page.goto(consoleUrl());
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
  await expectAccessible(page, 'sign-in');
  await snapshot(page, testInfo, 'sign-in');

  const admin = adminKey();
  await signIn(page, admin);
  // The secret is kept nowhere; the token never in localStorage or the URL.
  const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
  expect(stored).not.toContain(admin.secretKey);
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('stagecraft.session') ?? '{}').token as string);
  expect(token).toBeTruthy();
  expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(token);
  expect(page.url()).not.toContain(token);

  // Upload, throttled so the progress bar is seen moving.
  await page.getByRole('link', { name: 'Packages' }).click();
  await expect(page.getByRole('heading', { name: 'Packages', level: 1 })).toBeVisible();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 256 * 1024,
  });
  const uploadPanel = page.getByRole('region', { name: 'Upload a package' });
  await uploadPanel
    .getByLabel('Package file')
    .setInputFiles({ name: 'hello-1.0.0.jar', mimeType: 'application/java-archive', buffer: paddedJar() });
  await expect(uploadPanel.getByLabel('Name', { exact: true })).toHaveValue('hello');
  await expect(uploadPanel.getByLabel('Version', { exact: true })).toHaveValue('1.0.0');
  await uploadPanel.getByRole('button', { name: 'Upload' }).click();
  const progress = page.locator('progress#upload-progress');
  await expect(progress).toBeVisible();
  await expect
    .poll(async () => {
      const [value, max] = [Number(await progress.getAttribute('value')), Number(await progress.getAttribute('max'))];
      return value > 0 && value < max;
    })
    .toBe(true);
  await snapshot(page, testInfo, 'packages-uploading');
  const outcome = page.getByRole('status').filter({ hasText: 'hello 1.0.0 is' });
  await expect(outcome).toContainText('READY');
  await expect(outcome).toContainText('JAVA');
  await expect(outcome).toContainText(/sha256 [0-9a-f]{64}/);
  // The browser declared the file's sha256, and `npm start`'s package repository verified it.
  await expect(outcome).toContainText('checked by the package repository as it arrived');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  await expectAccessible(page, 'packages');
  await snapshot(page, testInfo, 'packages');

  // The job form: a rule checked as the user types, and a server refusal on its field.
  await page.getByRole('link', { name: 'Package jobs' }).click();
  await expect(page.getByRole('heading', { name: 'Package jobs', level: 1 })).toBeVisible();
  await expectAccessible(page, 'jobs');
  await page.getByRole('link', { name: 'Create package job' }).click();
  const name = page.getByLabel('Job name');
  await name.fill('-hello');
  await name.blur();
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('The name must start with a letter or digit')).toBeVisible();
  await name.fill('hello-app');
  await expect(name).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Description').fill('The console built this');
  await expect(page.getByText('22/64')).toBeVisible();
  await page.getByLabel('Software package').selectOption({ label: 'hello 1.0.0 (JAVA)' });
  await expect(page.getByLabel('Base image', { exact: true })).not.toHaveValue('');
  await page.getByLabel('Cluster').selectOption({ label: 'local (LOCAL, AVAILABLE)' });
  const archive = page.getByLabel('Archive address');
  await archive.fill(`${registry()}/console/hello:-1`); // a tag may not start with "-": only the server knows
  await expectAccessible(page, 'job-form');
  // Also as PNG: the README's picture of the console (docs/console.md says how to refresh it).
  await snapshot(page, testInfo, 'job-form', 'png');
  await snapshot(page, testInfo, 'job-form');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(archive).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('alert').filter({ hasText: 'archiveImage is not a valid image reference' })).toBeVisible();
  await snapshot(page, testInfo, 'job-form-refused');
  await archive.fill(`${registry()}/console/hello:1`);

  await page.getByRole('button', { name: 'Build' }).click();
  await expect(page).toHaveURL(/\/builds\/[\w-]+$/);
  buildUrl = page.url();
  const log = page.getByRole('log');
  // Log lines arrive while the build runs.
  await expect(log).not.toBeEmpty({ timeout: 120_000 });
  const status = page.locator('.build-status');
  await expect(status).toContainText('SUCCEEDED', { timeout: 200_000 });
  await expect(page.locator('.facts')).toContainText(/sha256:[0-9a-f]{64}/);
  await expect(page.locator('.timeline')).toContainText('succeeded');
  // Each phase with its times, the last one (POSTPROCESS) ended with the build.
  await expect(page.locator('table.phases').getByRole('row').filter({ hasText: 'POSTPROCESS' })).toContainText('SUCCEEDED');
  await expectAccessible(page, 'build');
  await snapshot(page, testInfo, 'build');
  await snapshot(page, testInfo, 'build', 'png');

  await page.getByRole('link', { name: 'hello-app' }).click();
  await expect(page.getByRole('heading', { name: 'hello-app' })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: '#1' })).toContainText('SUCCEEDED');
  // Its build history policy: the platform's until the job has its own; a refusal on its field.
  const history = page.getByRole('region', { name: 'Build history' });
  await expect(history).toContainText("Follows the platform's default policy");
  const keptSucceeded = history.getByLabel('Succeeded builds kept');
  await keptSucceeded.fill('5000');
  await history.getByRole('button', { name: 'Keep this policy' }).click();
  await expect(keptSucceeded).toHaveAttribute('aria-invalid', 'true');
  await expect(history.getByRole('alert')).toContainText('keepSucceeded');
  await keptSucceeded.fill('10');
  await history.getByLabel(/Delete the images of pruned builds too/).check();
  await history.getByRole('button', { name: 'Keep this policy' }).click();
  await expect(history.getByRole('status')).toContainText('Saved');
  await expect(history).toContainText("Follows this job's own policy");
  await expect(keptSucceeded).not.toHaveAttribute('aria-invalid', 'true');
  jobUrl = page.url();
  await expectAccessible(page, 'job');
  await snapshot(page, testInfo, 'job');
  await page.getByRole('link', { name: 'Clusters' }).click();
  await expect(page.getByRole('heading', { name: /^local/ })).toBeVisible();
  await expectAccessible(page, 'clusters');
  await snapshot(page, testInfo, 'clusters');
  expect(violations).toEqual([]);
});

test("a project's settings: its jobs' build history default, and a webhook that hears the next build end", async ({
  page,
}, testInfo) => {
  // A receiver on 127.0.0.1, which `npm start` lets the builds service reach (docs/security.md#egress).
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    await page.goto(consoleUrl());
    await signIn(page, adminKey());
    await page.getByRole('link', { name: 'Project settings' }).click();
    await expect(page.getByRole('heading', { name: 'Settings of default', level: 1 })).toBeVisible();

    const history = page.getByRole('region', { name: 'Build history default' });
    await expect(history).toContainText("follow the platform's default policy");
    await history.getByLabel('Other builds kept').fill('5');
    await history.getByRole('button', { name: 'Keep this policy' }).click();
    await expect(history.getByRole('status')).toContainText('Saved');
    await expect(history).toContainText("follow the enterprise project's default policy");

    const webhooks = page.getByRole('region', { name: 'Webhooks' });
    await webhooks.getByText('Add a webhook').click();
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/stagecraft`;
    await webhooks.getByLabel('Payload URL').fill(url);
    await webhooks.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await webhooks.locator('output.secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await expect(webhooks.getByRole('row').filter({ hasText: url })).toContainText('Enabled');
    await expectAccessible(page, 'settings');
    await snapshot(page, testInfo, 'settings');

    await page.goto(jobUrl);
    await page.getByRole('button', { name: 'Build' }).click();
    await expect(page.locator('.build-status')).toContainText('SUCCEEDED', { timeout: 200_000 });
    // The build's end, signed with the secret shown once.
    await expect.poll(() => received.find((delivery) => delivery.body.includes('io.stagecraft.build.succeeded'))).toBeTruthy();
    const delivery = received.find((candidate) => candidate.body.includes('io.stagecraft.build.succeeded'))!;
    const timestamp = String(delivery.headers['x-stagecraft-timestamp']);
    const expected = createHmac('sha256', secret).update(`${timestamp}.${delivery.body}`).digest('hex');
    expect(delivery.headers['x-stagecraft-signature']).toBe(`sha256=${expected}`);
    expect(delivery.headers['content-type']).toMatch(/^application\/cloudevents\+json/);

    await page.getByRole('link', { name: 'Project settings' }).click();
    await page.getByRole('button', { name: `Deliveries to ${url}` }).click();
    const log = page.getByRole('region', { name: `Deliveries to ${url}` });
    await expect(log.getByRole('row').filter({ hasText: 'io.stagecraft.build.succeeded' })).toContainText('DELIVERED');
    await expectAccessible(page, 'settings-deliveries');
  } finally {
    await new Promise((resolve) => receiver.close(resolve));
  }
});

test('a member denied servicestage:assembling:create sees Build disabled, with the reason', async ({ page }, testInfo) => {
  const member = await createMember('console-denied', {
    allow: MEMBER_ACTIONS,
    deny: ['servicestage:assembling:create'],
    projectIds: [await projectId('default')],
  });
  await page.goto(consoleUrl());
  await signIn(page, member);
  await page.goto(jobUrl);
  const build = page.getByRole('button', { name: 'Build' });
  await expect(build).toBeDisabled();
  await expect(build).toHaveAccessibleDescription(/servicestage:assembling:create/);
  // Modifying is still theirs: the job's own history policy, set above, may be changed.
  const history = page.getByRole('region', { name: 'Build history' });
  await expect(history.getByLabel('Succeeded builds kept')).toHaveValue('10');
  await expect(history.getByRole('button', { name: 'Keep this policy' })).toBeEnabled();
  await page.getByRole('link', { name: 'Package jobs' }).click();
  await expect(page.getByRole('link', { name: 'Create package job' })).toHaveCount(0);
  await expect(page.getByText(/You may not do servicestage:assembling:create/)).toBeVisible();
  await snapshot(page, testInfo, 'denied-member');
});

test("a member of another project cannot reach this project's job by its URL", async ({ page }) => {
  const member = await createMember('console-other', { allow: MEMBER_ACTIONS, projectIds: [await projectId('console-other')] });
  await page.goto(consoleUrl());
  await signIn(page, member);
  await page.goto(jobUrl);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await expect(page.getByText('hello-app')).toHaveCount(0);
  await page.goto(buildUrl);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
});

test('the job form can be filled and saved with the keyboard alone', async ({ page }) => {
  await page.goto(consoleUrl());
  await signIn(page, adminKey());
  await page.goto(new URL('/jobs/new', consoleUrl()).toString());
  await page.getByLabel('Job name').focus();
  await page.keyboard.type('keyboard-job');
  await page.keyboard.press('Tab'); // enterprise project: keep the current one
  await page.keyboard.press('Tab'); // description
  await page.keyboard.type('typed');
  await page.keyboard.press('Tab'); // package
  // The choices arrive with the packages query: an arrow key before them selects nothing.
  await expect(page.getByLabel('Software package').getByRole('option', { name: 'hello 1.0.0 (JAVA)' })).toBeAttached();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByLabel('Software package')).not.toHaveValue('');
  await page.keyboard.press('Tab'); // build type: System default is checked
  await page.keyboard.press('Tab'); // base image
  await page.keyboard.press('Tab'); // base image tag
  await page.keyboard.press('Tab'); // image class: Private is checked
  await page.keyboard.press('Tab'); // archive address
  await page.keyboard.type(`${registry()}/console/keyboard:1`);
  await page.keyboard.press('Tab'); // cluster
  await expect(page.getByLabel('Cluster').getByRole('option', { name: /^local / })).toBeAttached();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByLabel('Cluster')).not.toHaveValue('');
  await page.getByRole('button', { name: 'Save' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/jobs\/[\w-]+\?saved=1$/);
  await expect(page.getByRole('heading', { name: 'keyboard-job' })).toBeVisible();
});

test('an administrator creates a user and a key, builds a policy, attaches it and asks why', async ({ page }, testInfo) => {
  await page.goto(consoleUrl());
  await signIn(page, adminKey());
  await page.getByRole('link', { name: 'IAM' }).click();
  await expect(page.getByRole('heading', { name: 'IAM', level: 1 })).toBeVisible();
  await page.getByLabel("New user's name").fill('console-dev');
  await page.getByRole('button', { name: 'Create user' }).click();
  const row = page.getByRole('row').filter({ hasText: 'console-dev' });
  await row.getByRole('button', { name: /New access key/ }).click();
  const shown = page.getByRole('status').filter({ hasText: 'New access key for console-dev' });
  await expect(shown).toContainText('shown only now');
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await expect(shown).toHaveCount(0);
  await expect(row.locator('code')).toHaveCount(1); // the key id; its secret is not on the page any more

  await page.getByText('Create a policy').click();
  await page.getByLabel('Policy name').fill('console-builders');
  await page.getByRole('checkbox', { name: 'servicestage:assembling:get' }).check();
  await page.getByRole('checkbox', { name: 'servicestage:assembling:create' }).check();
  await expect(page.getByLabel('Statements as JSON')).toHaveValue(/"servicestage:assembling:create"/);
  await page.getByRole('button', { name: 'Create policy' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'console-builders' })).toContainText(
    'ALLOW servicestage:assembling:get, servicestage:assembling:create',
  );

  const explain = page.getByRole('region', { name: "Why can't a user do something?" });
  await explain.getByLabel('User').selectOption({ label: 'console-dev' });
  await explain.getByLabel('Action').selectOption('servicestage:assembling:create');
  await explain.getByRole('button', { name: 'Explain' }).click();
  await expect(explain.getByRole('status')).toContainText('Not allowed');

  await page.getByText('Attach a policy').click();
  const attachments = page.getByRole('region', { name: 'Attachments' });
  await attachments.getByLabel('User').selectOption({ label: 'console-dev' });
  await attachments.getByLabel('Policy').selectOption({ label: 'console-builders' });
  await attachments.getByRole('button', { name: 'Attach' }).click();
  await expect(
    attachments.getByRole('row').filter({ hasText: 'console-builders' }).filter({ hasText: 'console-dev' }),
  ).toContainText('every project');
  await explain.getByRole('button', { name: 'Explain' }).click();
  await expect(explain.getByRole('status')).toContainText('Allowed');
  await expect(explain.getByRole('status')).toContainText('console-builders');
  await expectAccessible(page, 'iam');
  await snapshot(page, testInfo, 'iam');
});

test('the build page follows a build across a gateway restart: every log line once, and the end', async ({ page }) => {
  await page.goto(consoleUrl());
  await signIn(page, adminKey());
  await page.goto(new URL('/jobs/new', consoleUrl()).toString());
  await page.getByLabel('Job name').fill('slow-lines');
  await page.getByLabel('Software package').selectOption({ label: 'hello 1.0.0 (JAVA)' });
  // The catalog's Java image, as the System default build type offers it.
  await expect(page.getByLabel('Base image', { exact: true })).not.toHaveValue('');
  const base = await page.getByLabel('Base image', { exact: true }).inputValue();
  await page.getByRole('radio', { name: 'Custom Dockerfile' }).check();
  await page
    .getByRole('textbox', { name: 'Dockerfile' })
    .fill(`FROM ${base}:17-jre\nRUN for i in $(seq 1 12); do echo "slow line $i"; sleep 1; done\n`);
  await page.getByLabel('Archive address').fill(`${registry()}/console/slow:1`);
  await page.getByLabel('Cluster').selectOption({ label: 'local (LOCAL, AVAILABLE)' });
  await page.getByRole('button', { name: 'Build' }).click();
  await expect(page.getByRole('log')).toContainText('slow line 2', { timeout: 120_000 });

  // The gateway dies mid-build; the launcher starts it again and the page carries on.
  const [gateway] = replicasOf(Number(process.env.STAGECRAFT_LAUNCHER_PID), 'gateway');
  process.kill(gateway!, 'SIGKILL');
  await expect(page.locator('.build-status')).toContainText('SUCCEEDED', { timeout: 180_000 });
  await expect(page.locator('.timeline')).toContainText('succeeded');
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download log' }).click();
  const log = readFileSync(await (await downloading).path(), 'utf8');
  for (let line = 1; line <= 12; line += 1) expect(log.match(new RegExp(`^slow line ${line}$`, 'gm'))).toHaveLength(1);
});

test('on a Kubernetes cluster: registered from a kubeconfig file, a node label picked, the build lands there and succeeds', async ({
  page,
}, testInfo) => {
  const kube = await FakeKubeApiServer.start({ token: 'console-kube-token' });
  kube.seedNode({ name: 'node-a', labels: { pool: 'build' }, internalIP: '10.0.0.1', externalIP: '203.0.113.1' });
  kube.seedNode({ name: 'node-b', labels: { pool: 'other' }, internalIP: '10.0.0.2' });
  const controller = new FakeJobController(kube);
  try {
    await page.goto(consoleUrl());
    await signIn(page, adminKey());
    await page.getByRole('link', { name: 'Clusters' }).click();
    await page.getByText('Register a cluster').click();
    await page.getByLabel('Name', { exact: true }).fill('kube');
    await page
      .getByLabel('Kubeconfig file')
      .setInputFiles({ name: 'kubeconfig', mimeType: 'text/plain', buffer: Buffer.from(kube.kubeconfig()) });
    await page.getByRole('button', { name: 'Register' }).click();
    const cluster = page.getByRole('region', { name: /^kube/ });
    await expect(cluster).toContainText('AVAILABLE');
    await expect(cluster.getByRole('row').filter({ hasText: 'node-a' })).toContainText('203.0.113.1');
    await expect(cluster.getByRole('row').filter({ hasText: 'node-b' })).toContainText('none (cannot build)');
    await expectAccessible(page, 'clusters-kubernetes');
    await snapshot(page, testInfo, 'clusters-kubernetes');

    await page.getByRole('link', { name: 'Package jobs' }).click();
    await page.getByRole('link', { name: 'Create package job' }).click();
    await page.getByLabel('Job name').fill('on-kube');
    await page.getByLabel('Software package').selectOption({ label: 'hello 1.0.0 (JAVA)' });
    await page.getByLabel('Archive address').fill(`${registry()}/console/on-kube:1`);
    await page.getByLabel('Cluster').selectOption({ label: 'kube (KUBERNETES, AVAILABLE)' });
    // Only node-a has an EIP: only its label is offered.
    await expect(page.getByRole('checkbox', { name: 'pool=other' })).toHaveCount(0);
    await page.getByRole('checkbox', { name: 'pool=build' }).check();
    await expect(page.getByRole('status').filter({ hasText: 'Builds may run on' })).toContainText('node-a');
    await page.getByRole('button', { name: 'Build' }).click();
    await expect(page).toHaveURL(/\/builds\/[\w-]+$/);

    // The fake cluster runs the build pod: it starts on node-a, logs, and ends with a digest.
    const digest = `sha256:${'ab'.repeat(32)}`;
    const namespace = 'stagecraft-builds';
    let pod: string | undefined;
    await expect
      .poll(
        () =>
          (pod = controller.pods(namespace, kube.objects('jobs.batch', namespace)[0]?.metadata.name as string)[0]?.metadata
            .name as string | undefined),
      )
      .toBeTruthy();
    controller.startPod(namespace, pod!);
    kube.appendPodLog(namespace, pod!, '::stagecraft phase=DOWNLOAD');
    kube.appendPodLog(namespace, pod!, 'hello from the build pod');
    await expect(page.getByRole('log')).toContainText('hello from the build pod');
    await expect(page.locator('.facts')).toContainText('node-a');
    controller.finishPod(namespace, pod!, {
      exitCode: 0,
      message: JSON.stringify({ status: 'SUCCEEDED', digest, image: `${registry()}/console/on-kube:1@${digest}` }),
    });
    await expect(page.locator('.build-status')).toContainText('SUCCEEDED');
    await expect(page.locator('.facts')).toContainText(digest);
    await snapshot(page, testInfo, 'build-kubernetes');
  } finally {
    controller.stop();
    await kube.close();
  }
});

async function signIn(page: Page, key: AccessKey): Promise<void> {
  await page.getByLabel('Access key').fill(key.accessKey);
  await page.getByLabel('Secret key').fill(key.secretKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** No serious or critical axe violation on the page as it is. */
async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(
    serious.map((violation) => `${what}: ${violation.id} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`),
  ).toEqual([]);
}

/** Small JPEG screenshots, kept with the test's artifacts. */
async function snapshot(page: Page, testInfo: TestInfo, name: string, type: 'jpeg' | 'png' = 'jpeg'): Promise<void> {
  await page.screenshot({
    path: testInfo.outputPath(`${name}.${type === 'jpeg' ? 'jpg' : 'png'}`),
    type,
    ...(type === 'jpeg' && { quality: 60 }),
  });
}

/** CSP violations the page reports: none may happen. */
function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}
