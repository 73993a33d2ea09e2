import { type ButtonHTMLAttributes, type ReactNode, useId } from 'react';

import type { ApiProblem } from '../api/errors';

/** A labelled control with its hint and its error, tied together for assistive technology. */
export function Field({
  id: givenId,
  label,
  hint,
  error,
  children,
}: {
  /** The control's id, when other code must find it (focus on a refusal); generated otherwise. */
  id?: string;
  label: string;
  hint?: ReactNode;
  error?: string | null;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}) {
  const generatedId = useId();
  const id = givenId ?? generatedId;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <div className="hint" id={hintId}>
          {hint}
        </div>
      )}
      {error && (
        <div className="error" id={errorId} role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

export function ProblemBanner({ problem }: { problem: ApiProblem | string | null | undefined }) {
  if (!problem) return null;
  return (
    <div className="banner error" role="alert">
      {typeof problem === 'string' ? problem : problem.message}
    </div>
  );
}

/**
 * A button the user may not use says why: disabled, with the reason as its description, so
 * a missing right is seen before a request fails.
 */
export function ActionButton({
  refusal,
  children,
  ...rest
}: { refusal: string | null } & ButtonHTMLAttributes<HTMLButtonElement>) {
  const id = useId();
  return (
    <>
      <button {...rest} disabled={rest.disabled || refusal !== null} aria-describedby={refusal ? id : rest['aria-describedby']}>
        {children}
      </button>
      {refusal && (
        <span className="refusal" id={id}>
          {refusal}
        </span>
      )}
    </>
  );
}

/** A labelled select of a form (read with FormData on submit). */
export function SelectField({
  label,
  name,
  options,
}: {
  label: string;
  name: string;
  options: { value: string; label: string }[];
}) {
  return (
    <Field label={label}>
      {(props) => (
        <select {...props} name={name} required>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The header of a table's last column, which holds each row's buttons. */
export function ActionsHeader() {
  return (
    <th scope="col">
      <span className="visually-hidden">Actions</span>
    </th>
  );
}
