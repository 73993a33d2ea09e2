import { type FormEvent, useState } from 'react';
import { useMutation } from 'urql';

import { type ApiProblem, problemOf } from '../api/errors';
import { ActionsHeader, Field, ProblemBanner } from '../components/form';
import { graphql, type ResultOf } from '../graphql';
import type { IamQuery } from './iam-queries';

const CreatePolicy = graphql(`
  mutation CreatePolicy($name: String!, $description: String, $statements: [PolicyStatementInput!]!) {
    createPolicy(name: $name, description: $description, statements: $statements) {
      id
    }
  }
`);
const DeletePolicy = graphql(`
  mutation DeletePolicy($id: ID!) {
    deletePolicy(id: $id)
  }
`);

type Iam = ResultOf<typeof IamQuery>;
interface Statement {
  effect: 'ALLOW' | 'DENY';
  actions: string[];
}

/** Policies: a statement builder over the action catalog, and the same statements as JSON. */
export function PoliciesSection({
  policies,
  catalog,
  onChange,
}: {
  policies: Iam['policies'];
  catalog: Iam['actionCatalog'];
  onChange: () => void;
}) {
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [statements, setStatements] = useState<Statement[]>([{ effect: 'ALLOW', actions: [] }]);
  const [json, setJson] = useState<string | null>(null);
  const [, createPolicy] = useMutation(CreatePolicy);
  const [, deletePolicy] = useMutation(DeletePolicy);
  const shownJson = json ?? JSON.stringify(statements, null, 2);

  const update = (index: number, change: Partial<Statement>) => {
    setJson(null);
    setStatements((current) => current.map((statement, at) => (at === index ? { ...statement, ...change } : statement)));
  };
  const editJson = (text: string) => {
    setJson(text);
    try {
      const parsed = JSON.parse(text) as Statement[];
      if (Array.isArray(parsed)) setStatements(parsed);
    } catch {
      // Kept as typed until it parses; Create refuses it meanwhile.
    }
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (json !== null) {
      try {
        JSON.parse(json);
      } catch (error) {
        return setProblem({ message: `The JSON view does not parse: ${(error as Error).message}`, field: 'statements' });
      }
    }
    const form = event.currentTarget;
    const data = new FormData(form);
    const result = await createPolicy({
      name: String(data.get('name') ?? ''),
      description: String(data.get('description') ?? '') || null,
      statements,
    });
    setProblem(problemOf(result.error));
    if (!result.error) {
      form.reset();
      setStatements([{ effect: 'ALLOW', actions: [] }]);
      setJson(null);
      onChange();
    }
  };

  return (
    <section aria-labelledby="policies-heading">
      <h2 id="policies-heading">Policies</h2>
      <ProblemBanner problem={problem && !['name', 'description'].includes(problem.field ?? '') ? problem : null} />
      <table>
        <thead>
          <tr>
            <th scope="col">Policy</th>
            <th scope="col">Statements</th>
            <ActionsHeader />
          </tr>
        </thead>
        <tbody>
          {policies.map((policy) => (
            <tr key={policy.id}>
              <td>
                {policy.name}
                {policy.description && <div className="hint">{policy.description}</div>}
              </td>
              <td>
                {policy.statements.map((statement, index) => (
                  <div key={index}>
                    <strong>{statement.effect}</strong> {statement.actions.join(', ')}
                  </div>
                ))}
              </td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    confirm(`Delete the policy ${policy.name}? It is detached from everyone.`) &&
                    void deletePolicy({ id: policy.id }).then((result) => {
                      setProblem(problemOf(result.error));
                      onChange();
                    })
                  }
                >
                  Delete<span className="visually-hidden"> {policy.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <details className="panel">
        <summary>Create a policy</summary>
        <form onSubmit={(event) => void submit(event)}>
          <Field label="Policy name" error={problem?.field === 'name' ? problem.message : null}>
            {(props) => <input {...props} name="name" required />}
          </Field>
          <Field label="Policy description">{(props) => <input {...props} name="description" maxLength={256} />}</Field>
          {statements.map((statement, index) => (
            <fieldset key={index}>
              <legend>Statement {index + 1}</legend>
              <label>
                Effect{' '}
                <select
                  value={statement.effect}
                  onChange={(event) => update(index, { effect: event.target.value as Statement['effect'] })}
                >
                  <option value="ALLOW">Allow</option>
                  <option value="DENY">Deny</option>
                </select>
              </label>
              <fieldset className="choices catalog">
                <legend>Actions</legend>
                {catalog.map((action) => (
                  <label key={action.name} title={action.description}>
                    <input
                      type="checkbox"
                      checked={statement.actions.includes(action.name)}
                      onChange={(event) =>
                        update(index, {
                          actions: event.target.checked
                            ? [...statement.actions, action.name]
                            : statement.actions.filter((name) => name !== action.name),
                        })
                      }
                    />{' '}
                    <code>{action.name}</code>
                    {action.adminOnly && <span className="hint"> (administrators only)</span>}
                  </label>
                ))}
              </fieldset>
              {statements.length > 1 && (
                <button type="button" onClick={() => setStatements((current) => current.filter((_, at) => at !== index))}>
                  Remove statement {index + 1}
                </button>
              )}
            </fieldset>
          ))}
          <button type="button" onClick={() => setStatements((current) => [...current, { effect: 'DENY', actions: [] }])}>
            Add a statement
          </button>
          <Field
            label="Statements as JSON"
            hint="The same statements; edit either view. Patterns such as servicestage:*:* work here."
            error={problem?.field?.startsWith('statements') ? problem.message : null}
          >
            {(props) => (
              <textarea
                {...props}
                rows={8}
                value={shownJson}
                spellCheck={false}
                onChange={(event) => editJson(event.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="primary">
            Create policy
          </button>
        </form>
      </details>
    </section>
  );
}
