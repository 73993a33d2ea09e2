import { type FormEvent, useState } from 'react';
import { useMutation, useQuery } from 'urql';

import { Action } from '../api/actions';
import { type ApiProblem, problemOf } from '../api/errors';
import { ActionButton, Field, ProblemBanner } from '../components/form';
import { StatusBadge } from '../components/status';
import { graphql } from '../graphql';

/** The build event types a webhook may receive (docs/webhooks.md#event-types); the ends first. */
const EVENT_TYPES = ['succeeded', 'failed', 'error', 'timed_out', 'cancelled', 'expired', 'queued', 'running', 'phase'];
const DEFAULT_TYPES = new Set(['succeeded', 'failed', 'error', 'timed_out']);

const WebhookFields = graphql(`
  fragment WebhookFields on Webhook {
    id
    url
    description
    eventTypes
    statuses
    enabled
  }
`);

const WebhooksQuery = graphql(
  `
    query Webhooks($projectId: ID!) {
      webhooks(enterpriseProjectId: $projectId) {
        ...WebhookFields
      }
    }
  `,
  [WebhookFields],
);

const DeliveriesQuery = graphql(`
  query WebhookDeliveries($webhookId: ID!) {
    webhookDeliveries(webhookId: $webhookId, limit: 20) {
      id
      eventType
      status
      attempts
      lastStatusCode
      lastError
      createdAt
      nextAttemptAt
    }
  }
`);

const CreateWebhook = graphql(
  `
    mutation CreateWebhook($input: CreateWebhookInput!) {
      createWebhook(input: $input) {
        secret
        webhook {
          ...WebhookFields
        }
      }
    }
  `,
  [WebhookFields],
);

const UpdateWebhook = graphql(
  `
    mutation UpdateWebhook($id: ID!, $enabled: Boolean) {
      updateWebhook(id: $id, input: { enabled: $enabled }) {
        ...WebhookFields
      }
    }
  `,
  [WebhookFields],
);

const RotateWebhookSecret = graphql(`
  mutation RotateWebhookSecret($id: ID!) {
    rotateWebhookSecret(id: $id) {
      secret
    }
  }
`);

const DeleteWebhook = graphql(`
  mutation DeleteWebhook($id: ID!) {
    deleteWebhook(id: $id)
  }
`);

/**
 * A project's webhooks (docs/webhooks.md): build events POSTed as signed CloudEvents. The secret
 * is shown once, when created or rotated, and kept by the page only until it is left.
 */
export function WebhooksSection({ projectId, refusal }: { projectId: string; refusal: (action: string) => string | null }) {
  const [{ data, error }, refetch] = useQuery({ query: WebhooksQuery, variables: { projectId } });
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [, update] = useMutation(UpdateWebhook);
  const [, rotate] = useMutation(RotateWebhookSecret);
  const [, remove] = useMutation(DeleteWebhook);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const webhooks = data?.webhooks ?? [];
  return (
    <section aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading">Webhooks</h2>
      <p>Build events of this project, POSTed as CloudEvents and signed with the webhook&apos;s secret (docs/webhooks.md).</p>
      {secret && (
        <div className="banner" role="status">
          Secret of {secret.url}, shown this once — keep it where the receiver checks signatures:{' '}
          <output className="secret">{secret.secret}</output>
        </div>
      )}
      <ProblemBanner problem={problemOf(error) ?? problem} />
      <CreatePanel
        projectId={projectId}
        refusal={refusal(Action.jobCreate)}
        onCreated={(url, created) => {
          setSecret({ url, secret: created });
          reload();
        }}
      />
      {webhooks.length === 0 && <p>No webhook in this project.</p>}
      {webhooks.length > 0 && (
        <table>
          <caption>Webhooks of this project</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {webhooks.map((webhook) => (
              <tr key={webhook.id}>
                <td>
                  <code>{webhook.url}</code>
                  {webhook.description && <div>{webhook.description}</div>}
                </td>
                <td>
                  {webhook.eventTypes.join(', ')}
                  {webhook.statuses.length > 0 && <div>statuses: {webhook.statuses.join(', ')}</div>}
                </td>
                <td>{webhook.enabled ? 'Enabled' : 'Disabled'}</td>
                <td className="actions">
                  <button type="button" onClick={() => setShown(shown === webhook.id ? null : webhook.id)}>
                    Deliveries<span className="visually-hidden"> to {webhook.url}</span>
                  </button>
                  <ActionButton
                    type="button"
                    refusal={refusal(Action.jobModify)}
                    onClick={() =>
                      void update({ id: webhook.id, enabled: !webhook.enabled }).then((result) =>
                        setProblem(problemOf(result.error)),
                      )
                    }
                  >
                    {webhook.enabled ? 'Disable' : 'Enable'}
                    <span className="visually-hidden"> {webhook.url}</span>
                  </ActionButton>
                  <ActionButton
                    type="button"
                    refusal={refusal(Action.jobModify)}
                    onClick={() =>
                      void rotate({ id: webhook.id }).then((result) => {
                        setProblem(problemOf(result.error));
                        if (result.data) setSecret({ url: webhook.url, secret: result.data.rotateWebhookSecret.secret });
                      })
                    }
                  >
                    Rotate secret<span className="visually-hidden"> of {webhook.url}</span>
                  </ActionButton>
                  <ActionButton
                    type="button"
                    refusal={refusal(Action.jobDelete)}
                    onClick={() => {
                      if (!confirm(`Delete the webhook to ${webhook.url}?`)) return;
                      void remove({ id: webhook.id }).then((result) => {
                        setProblem(problemOf(result.error));
                        reload();
                      });
                    }}
                  >
                    Delete<span className="visually-hidden"> {webhook.url}</span>
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown && <DeliveryLog webhookId={shown} url={webhooks.find((webhook) => webhook.id === shown)?.url ?? ''} />}
    </section>
  );
}

function DeliveryLog({ webhookId, url }: { webhookId: string; url: string }) {
  const [{ data, error }, refetch] = useQuery({
    query: DeliveriesQuery,
    variables: { webhookId },
    requestPolicy: 'network-only',
  });
  const deliveries = data?.webhookDeliveries ?? [];
  return (
    <section aria-labelledby="deliveries-heading" className="panel">
      <h3 id="deliveries-heading">Deliveries to {url}</h3>
      <ProblemBanner problem={problemOf(error)} />
      <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
        Reload deliveries
      </button>
      {deliveries.length === 0 ? (
        <p>Nothing delivered yet.</p>
      ) : (
        <table className="deliveries">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((delivery) => (
              <tr key={delivery.id}>
                <td>{delivery.eventType}</td>
                <td>
                  <StatusBadge status={delivery.status} />
                  {delivery.nextAttemptAt && <div>next try {new Date(delivery.nextAttemptAt).toLocaleTimeString()}</div>}
                </td>
                <td>{delivery.attempts}</td>
                <td>{delivery.lastStatusCode ?? delivery.lastError ?? '—'}</td>
                <td>{new Date(delivery.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CreatePanel({
  projectId,
  refusal,
  onCreated,
}: {
  projectId: string;
  refusal: string | null;
  onCreated: (url: string, secret: string) => void;
}) {
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [, create] = useMutation(CreateWebhook);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const url = String(data.get('url') ?? '');
    const result = await create({
      input: {
        enterpriseProjectId: projectId,
        url,
        description: String(data.get('description') ?? ''),
        eventTypes: data.getAll('eventTypes').map(String),
      },
    });
    setProblem(problemOf(result.error));
    if (!result.data) return;
    form.reset();
    onCreated(url, result.data.createWebhook.secret);
  };
  const fieldError = (field: string) => (problem?.field === field ? problem.message : null);
  return (
    <details className="panel">
      <summary>Add a webhook</summary>
      <form onSubmit={(event) => void submit(event)}>
        <Field label="Payload URL" hint="http(s), without a user or password." error={fieldError('url')}>
          {(props) => <input {...props} name="url" type="url" required />}
        </Field>
        <Field label="Description" error={fieldError('description')}>
          {(props) => <input {...props} name="description" maxLength={256} />}
        </Field>
        <fieldset className="choices">
          <legend>Build events</legend>
          {EVENT_TYPES.map((type) => (
            <label key={type}>
              <input type="checkbox" name="eventTypes" value={type} defaultChecked={DEFAULT_TYPES.has(type)} /> {type}
            </label>
          ))}
        </fieldset>
        {fieldError('eventTypes') && (
          <div className="error" role="alert">
            {fieldError('eventTypes')}
          </div>
        )}
        {problem && !problem.field && <ProblemBanner problem={problem} />}
        <ActionButton type="submit" refusal={refusal}>
          Add webhook
        </ActionButton>
      </form>
    </details>
  );
}
