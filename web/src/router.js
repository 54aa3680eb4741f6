import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';

// Client-side routes. The first path segments that are not organizations are
// reserved on the server too (common/names.cc IsReservedOrgName).
export function parseRoute(pathname) {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'stacks' };
  if (parts[0] === 'signin') return { page: 'signin' };
  if (parts[0] === 'cli-login' && parts.length === 1) return { page: 'cli-login' };
  if (parts[0] === 'welcome' && parts[1] === 'cli') return { page: 'welcome-cli' };
  if (parts[0] === 'user' && parts[1] === 'settings' && parts[2] === 'tokens') {
    return { page: 'tokens' };
  }
  if (parts.length === 1) return { page: 'stacks', org: parts[0] };
  if (parts.length === 3) return { page: 'stack', org: parts[0], project: parts[1], stack: parts[2] };
  if (parts.length === 5 && parts[3] === 'updates') {
    return { page: 'update', org: parts[0], project: parts[1], stack: parts[2], version: parts[4] };
  }
  return { page: 'notfound' };
}

export function navigate(to) {
  if (to === window.location.pathname + window.location.search) return;
  window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useLocation() {
  const [loc, setLoc] = useState(window.location.pathname + window.location.search);
  useEffect(() => {
    const on = () => setLoc(window.location.pathname + window.location.search);
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return loc;
}

// An in-app link: a real <a href> (keyboard, middle-click) that navigates
// without a reload on a plain click.
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
      return;
    }
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}

export const enc = (s) => encodeURIComponent(s);
export const stackHref = (org, project, stack) => `/${enc(org)}/${enc(project)}/${enc(stack)}`;
