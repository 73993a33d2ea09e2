import { Link } from '../routing/router';

/** Also what a job or build of a project the user holds no rights in looks like: the API answers nothing. */
export function NotFound({ what = 'This page' }: { what?: string }) {
  return (
    <>
      <h1>Not found</h1>
      <p>{what} does not exist, or you hold no rights in its enterprise project.</p>
      <p>
        <Link to="/jobs">Back to package jobs</Link>
      </p>
    </>
  );
}
