import { type ReactNode, useMemo } from 'react';
import { Provider } from 'urql';

import { createApiClient } from './api/client';
import { Layout } from './layout';
import { BuildPage } from './pages/build-page';
import { ClustersPage } from './pages/clusters-page';
import { IamPage } from './pages/iam-page';
import { JobDetailPage } from './pages/job-detail-page';
import { JobFormPage } from './pages/job-form-page';
import { JobsPage } from './pages/jobs-page';
import { NotFound } from './pages/not-found';
import { PackagesPage } from './pages/packages-page';
import { ProjectSettingsPage } from './pages/project-settings-page';
import { SignInPage } from './pages/sign-in-page';
import { matchRoute, navigate, Router, usePath } from './routing/router';
import { ProjectsProvider } from './session/projects';
import { SessionProvider, useSession } from './session/session';

export function App() {
  return (
    <SessionProvider>
      <Router>
        <SignedInApp />
      </Router>
    </SessionProvider>
  );
}

function SignedInApp() {
  const { session, signOut } = useSession();
  const token = session?.token ?? null;
  const client = useMemo(() => createApiClient(token, () => signOut('Your session ended. Sign in again.')), [token, signOut]);
  if (!session) return <SignInPage />;
  return (
    <Provider value={client}>
      <ProjectsProvider>
        <Layout>
          <Routes />
        </Layout>
      </ProjectsProvider>
    </Provider>
  );
}

const ROUTES: [string, (params: Record<string, string>) => ReactNode][] = [
  ['/packages', () => <PackagesPage />],
  ['/jobs', () => <JobsPage />],
  ['/jobs/new', () => <JobFormPage />],
  ['/jobs/:id', ({ id }) => <JobDetailPage id={id!} />],
  ['/builds/:id', ({ id }) => <BuildPage id={id!} />],
  ['/clusters', () => <ClustersPage />],
  ['/settings', () => <ProjectSettingsPage />],
  ['/iam', () => <IamPage />],
];

function Routes() {
  const { pathname } = usePath();
  if (pathname === '/') {
    queueMicrotask(() => navigate('/jobs', { replace: true }));
    return null;
  }
  for (const [pattern, render] of ROUTES) {
    const params = matchRoute(pattern, pathname);
    if (params) return <>{render(params)}</>;
  }
  return <NotFound />;
}
