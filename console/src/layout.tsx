import { type ReactNode, useEffect, useRef } from 'react';

import { Link, usePath } from './routing/router';
import { useProjects } from './session/projects';
import { useSession, useSignedIn } from './session/session';

const NAV = [
  ['/jobs', 'Package jobs'],
  ['/packages', 'Packages'],
  ['/clusters', 'Clusters'],
  ['/settings', 'Project settings'],
] as const;

export function Layout({ children }: { children: ReactNode }) {
  const { user } = useSignedIn();
  const { signOut } = useSession();
  const { projects, project, choose } = useProjects();
  const { pathname } = usePath();
  const main = useRef<HTMLElement>(null);
  // A route change moves focus to the new page, as a page load would for a screen reader.
  useEffect(() => main.current?.focus(), [pathname]);
  const nav = user.isAdmin ? [...NAV, ['/iam', 'IAM'] as const] : NAV;
  return (
    <>
      <header className="top">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <span className="brand">Stagecraft</span>
        <nav aria-label="Main">
          <ul>
            {nav.map(([to, label]) => (
              <li key={to}>
                <Link to={to} aria-current={pathname.startsWith(to) ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <label className="project-switcher">
          Enterprise project
          <select value={project?.id ?? ''} onChange={(event) => choose(event.target.value)}>
            {projects.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
              </option>
            ))}
          </select>
        </label>
        <span className="user">{user.name}</span>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        {children}
      </main>
    </>
  );
}
