import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { useQuery } from 'urql';

import { graphql, type ResultOf } from '../graphql';
import { useSignedIn } from './session';

const ProjectsQuery = graphql(`
  query Projects {
    enterpriseProjects {
      id
      name
      description
      allowedActions
    }
  }
`);

export type Project = ResultOf<typeof ProjectsQuery>['enterpriseProjects'][number];

interface ProjectsState {
  projects: Project[];
  project: Project | null;
  choose(projectId: string): void;
  /**
   * Why the signed-in user may not do an action in the current project, or null when they may.
   * The services decide every call anyway; this only keeps a control from offering a refusal.
   */
  refusal(action: string): string | null;
}

const ProjectsContext = createContext<ProjectsState | null>(null);

/** The project switcher's state: the projects the user holds rights in, the choice remembered per user. */
export function ProjectsProvider({ children }: { children: ReactNode }) {
  const { user } = useSignedIn();
  const [{ data, error }] = useQuery({ query: ProjectsQuery, requestPolicy: 'cache-and-network' });
  const storageKey = `stagecraft.project.${user.id}`;
  const [chosenId, setChosenId] = useState<string | null>(() => localStorage.getItem(storageKey));
  const projects = useMemo(() => data?.enterpriseProjects ?? [], [data]);
  const project = projects.find((candidate) => candidate.id === chosenId) ?? projects[0] ?? null;

  useEffect(() => {
    if (project) localStorage.setItem(storageKey, project.id);
  }, [project, storageKey]);

  const value = useMemo<ProjectsState>(
    () => ({
      projects,
      project,
      choose: setChosenId,
      refusal: (action) => refusalIn(project, action),
    }),
    [projects, project],
  );
  if (error && !data) return <p role="alert">The projects could not be loaded: {error.message}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  return <ProjectsContext.Provider value={value}>{children}</ProjectsContext.Provider>;
}

/** Why the signed-in user may not do an action in a project, or null when they may. */
export function refusalIn(project: Project | null, action: string): string | null {
  if (!project) return 'You hold rights in no enterprise project.';
  if (project.allowedActions.includes(action)) return null;
  return `You may not do ${action} in ${project.name}; an administrator can grant it.`;
}

export function useProjects(): ProjectsState {
  const state = useContext(ProjectsContext);
  if (!state) throw new Error('useProjects outside ProjectsProvider');
  return state;
}

/** The current project, for pages that need one. */
export function useProject(): Project | null {
  return useProjects().project;
}
