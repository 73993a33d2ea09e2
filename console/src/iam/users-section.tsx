import { type FormEvent, useState } from 'react';
import { useMutation } from 'urql';

import { type ApiProblem, problemOf } from '../api/errors';
import { ActionsHeader, Field, ProblemBanner } from '../components/form';
import { graphql, type ResultOf } from '../graphql';
import type { IamQuery } from './iam-queries';

const CreateUser = graphql(`
  mutation CreateUser($name: String!, $admin: Boolean!) {
    createUser(name: $name, admin: $admin) {
      id
    }
  }
`);
const DeleteUser = graphql(`
  mutation DeleteUser($id: ID!) {
    deleteUser(id: $id)
  }
`);
const CreateAccessKey = graphql(`
  mutation CreateAccessKey($userId: ID!) {
    createAccessKey(userId: $userId)
  }
`);
const SetKeyEnabled = graphql(`
  mutation SetKeyEnabled($accessKey: String!, $enable: Boolean!) {
    enable: enableAccessKey(accessKey: $accessKey) @include(if: $enable)
    disable: disableAccessKey(accessKey: $accessKey) @skip(if: $enable)
  }
`);
const DeleteAccessKey = graphql(`
  mutation DeleteAccessKey($accessKey: String!) {
    deleteAccessKey(accessKey: $accessKey)
  }
`);
const RevokeTokens = graphql(`
  mutation RevokeTokens($userId: ID!) {
    revokeTokens(userId: $userId)
  }
`);

type Users = ResultOf<typeof IamQuery>['users'];

/** Users and their access keys; a new key's secret is shown once, here, and kept nowhere. */
export function UsersSection({ users, onChange }: { users: Users; onChange: () => void }) {
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [newSecret, setNewSecret] = useState<{ user: string; accessKey: string; secretKey: string } | null>(null);
  const [, createUser] = useMutation(CreateUser);
  const [, deleteUser] = useMutation(DeleteUser);
  const [, createAccessKey] = useMutation(CreateAccessKey);
  const [, setKeyEnabled] = useMutation(SetKeyEnabled);
  const [, deleteAccessKey] = useMutation(DeleteAccessKey);
  const [, revokeTokens] = useMutation(RevokeTokens);

  const run = async (result: Promise<{ error?: Parameters<typeof problemOf>[0] }>) => {
    const outcome = await result;
    setProblem(problemOf(outcome.error));
    if (!outcome.error) onChange();
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const result = await createUser({ name: String(data.get('name') ?? ''), admin: data.get('admin') === 'on' });
    setProblem(problemOf(result.error));
    if (!result.error) {
      form.reset();
      onChange();
    }
  };
  const newKey = async (user: Users[number]) => {
    const result = await createAccessKey({ userId: user.id });
    setProblem(problemOf(result.error));
    const created = result.data?.createAccessKey as { accessKey: string; secretKey: string } | undefined;
    if (created) {
      setNewSecret({ user: user.name, ...created });
      onChange();
    }
  };

  return (
    <section aria-labelledby="users-heading">
      <h2 id="users-heading">Users and access keys</h2>
      <ProblemBanner problem={problem} />
      {newSecret && (
        <div className="banner" role="status">
          New access key for {newSecret.user}: <code>{newSecret.accessKey}</code>, secret <code>{newSecret.secretKey}</code>. It
          is shown only now; copy it before closing.{' '}
          <button type="button" onClick={() => setNewSecret(null)}>
            I have copied it
          </button>
        </div>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Access keys</th>
            <ActionsHeader />
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.id}>
              <td>
                {user.name}
                {user.isAdmin && <span className="status"> admin</span>}
              </td>
              <td>
                <ul className="plain">
                  {user.accessKeys.map((key) => (
                    <li key={key.accessKey}>
                      <code>{key.accessKey}</code> {key.enabled ? 'enabled' : 'disabled'}
                      {key.lastUsedAt && (
                        <span className="hint"> · last used {new Date(key.lastUsedAt).toLocaleString()}</span>
                      )}{' '}
                      <button
                        type="button"
                        onClick={() => void run(setKeyEnabled({ accessKey: key.accessKey, enable: !key.enabled }))}
                      >
                        {key.enabled ? 'Disable' : 'Enable'}
                        <span className="visually-hidden"> {key.accessKey}</span>
                      </button>{' '}
                      <button
                        type="button"
                        onClick={() =>
                          confirm(`Delete the access key ${key.accessKey}?`) &&
                          void run(deleteAccessKey({ accessKey: key.accessKey }))
                        }
                      >
                        Delete<span className="visually-hidden"> {key.accessKey}</span>
                      </button>
                    </li>
                  ))}
                </ul>
              </td>
              <td className="actions">
                <button type="button" onClick={() => void newKey(user)}>
                  New access key<span className="visually-hidden"> for {user.name}</span>
                </button>
                <button type="button" onClick={() => void run(revokeTokens({ userId: user.id }))}>
                  Revoke tokens<span className="visually-hidden"> of {user.name}</span>
                </button>
                <button
                  type="button"
                  onClick={() => confirm(`Delete the user ${user.name}?`) && void run(deleteUser({ id: user.id }))}
                >
                  Delete<span className="visually-hidden"> {user.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={(event) => void submit(event)} className="row">
        <Field label="New user's name" error={problem?.field === 'name' ? problem.message : null}>
          {(props) => <input {...props} name="name" required />}
        </Field>
        <label className="inline">
          <input type="checkbox" name="admin" /> Administrator
        </label>
        <button type="submit">Create user</button>
      </form>
    </section>
  );
}
