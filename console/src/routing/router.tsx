import {
  type AnchorHTMLAttributes,
  createContext,
  type MouseEvent,
  type ReactNode,
  useContext,
  useEffect,
  useState,
} from 'react';

/**
 * The console's routes are plain paths (/jobs/ID), so a link can be shared and the gateway
 * answers every one with the console's page. A few routes need no routing library.
 */
const PathContext = createContext<string>('/');

export function Router({ children }: { children: ReactNode }) {
  const [path, setPath] = useState(() => location.pathname + location.search);
  useEffect(() => {
    const onChange = () => setPath(location.pathname + location.search);
    window.addEventListener('popstate', onChange);
    window.addEventListener('stagecraft:navigate', onChange);
    return () => {
      window.removeEventListener('popstate', onChange);
      window.removeEventListener('stagecraft:navigate', onChange);
    };
  }, []);
  return <PathContext.Provider value={path}>{children}</PathContext.Provider>;
}

export function navigate(to: string, { replace = false } = {}): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event('stagecraft:navigate'));
}

export function usePath(): { pathname: string; params: URLSearchParams } {
  const path = useContext(PathContext);
  const url = new URL(path, location.origin);
  return { pathname: url.pathname, params: url.searchParams };
}

/** Matches `/jobs/:id` against a path; the named segments, or null. */
export function matchRoute(pattern: string, pathname: string): Record<string, string> | null {
  const patternParts = pattern.split('/').filter(Boolean);
  const parts = pathname.split('/').filter(Boolean);
  if (patternParts.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of patternParts.entries()) {
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(parts[index]!);
    else if (part !== parts[index]) return null;
  }
  return params;
}

export function Link({ to, children, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
