import { useEffect, useState } from 'react';
import { useQuery } from 'urql';

import { Action } from '../api/actions';
import { problemOf } from '../api/errors';
import { ProblemBanner } from '../components/form';
import { StatusBadge } from '../components/status';
import { graphql } from '../graphql';
import { Link } from '../routing/router';
import { useProjects } from '../session/projects';

const PAGE_SIZE = 20;

const JobsQuery = graphql(`
  query Jobs($filter: PackageJobFilter, $after: String, $first: Int!) {
    packageJobs(filter: $filter, after: $after, first: $first) {
      totalCount
      edges {
        node {
          id
          name
          techStack
          archiveImage
          updatedAt
          cluster {
            name
          }
          lastBuild {
            id
            number
            status
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export function JobsPage() {
  const { project, refusal } = useProjects();
  const [search, setSearch] = useState('');
  const [nameContains, setNameContains] = useState('');
  // Cursors of the pages before this one, so Previous works on a forward-only connection.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  useEffect(() => {
    const timer = setTimeout(() => {
      setNameContains(search.trim());
      setCursors([null]);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);
  useEffect(() => setCursors([null]), [project?.id]);
  const after = cursors[cursors.length - 1] ?? null;
  const [{ data, error, fetching }] = useQuery({
    query: JobsQuery,
    variables: { filter: { enterpriseProjectId: project?.id, nameContains: nameContains || undefined }, after, first: PAGE_SIZE },
  });
  const connection = data?.packageJobs;
  const createRefusal = refusal(Action.jobCreate);
  return (
    <>
      <h1>Package jobs</h1>
      <div className="toolbar">
        <label>
          Search by name <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
        </label>
        {createRefusal ? (
          <span className="refusal">{createRefusal}</span>
        ) : (
          <Link to="/jobs/new" className="button primary">
            Create package job
          </Link>
        )}
      </div>
      <ProblemBanner problem={problemOf(error)} />
      <table aria-busy={fetching}>
        <caption className="visually-hidden">Package jobs</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Stack</th>
            <th scope="col">Cluster</th>
            <th scope="col">Archive address</th>
            <th scope="col">Last build</th>
          </tr>
        </thead>
        <tbody>
          {connection?.edges.map(({ node: job }) => (
            <tr key={job.id}>
              <td>
                <Link to={`/jobs/${job.id}`}>{job.name}</Link>
              </td>
              <td>{job.techStack}</td>
              <td>{job.cluster.name}</td>
              <td>
                <code>{job.archiveImage}</code>
              </td>
              <td>
                {job.lastBuild ? (
                  <Link to={`/builds/${job.lastBuild.id}`}>
                    #{job.lastBuild.number} <StatusBadge status={job.lastBuild.status} />
                  </Link>
                ) : (
                  'never built'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages">
        <span>{connection?.totalCount ?? 0} jobs</span>
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors((current) => current.slice(0, -1))}>
          Previous
        </button>
        <button
          type="button"
          disabled={!connection?.pageInfo.hasNextPage}
          onClick={() => setCursors((current) => [...current, connection?.pageInfo.endCursor ?? null])}
        >
          Next
        </button>
      </nav>
    </>
  );
}
