import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken } from './api.js';
import { Link, navigate, parseRoute, useLocation } from './router.js';
import { SignIn } from './pages/signin.js';
import { Stacks } from './pages/stacks.js';
import { Stack } from './pages/stack.js';
import { Update } from './pages/update.js';
import { Tokens } from './pages/tokens.js';
import { CliLogin, WelcomeCli } from './pages/clilogin.js';
import { Loading } from './util.js';

function App() {
  const location = useLocation();
  const [session, setSession] = useState(undefined); // undefined = checking, null = signed out

  useEffect(() => {
    api('GET', '/api/console/session')
      .then((s) => {
        setCsrfToken(s.csrfToken);
        setSession(s);
      })
      .catch(() => setSession(null));
    const out = () => {
      setCsrfToken('');
      setSession(null);
    };
    window.addEventListener('statehouse-signed-out', out);
    return () => window.removeEventListener('statehouse-signed-out', out);
  }, []);

  if (session === undefined) return html`<${Loading} />`;
  const route = parseRoute(window.location.pathname);
  if (session === null && route.page === 'welcome-cli') return html`<main><${WelcomeCli} /></main>`;
  if (session === null) {
    return html`<${SignIn}
      onSignedIn=${(s) => {
        setCsrfToken(s.csrfToken);
        setSession(s);
        if (route.page === 'signin') navigate('/');
      }}
    />`;
  }
  const signOut = async () => {
    try {
      await api('DELETE', '/api/console/session');
    } finally {
      setCsrfToken('');
      setSession(null);
      navigate('/');
    }
  };
  let page;
  switch (route.page) {
    case 'stacks':
    case 'signin':
      page = html`<${Stacks} org=${route.org} key=${location} />`;
      break;
    case 'stack':
      page = html`<${Stack} ...${route} key=${location} />`;
      break;
    case 'update':
      page = html`<${Update} ...${route} key=${location} />`;
      break;
    case 'tokens':
      page = html`<${Tokens} />`;
      break;
    case 'cli-login':
      page = html`<${CliLogin} user=${session.user} />`;
      break;
    case 'welcome-cli':
      page = html`<${WelcomeCli} />`;
      break;
    default:
      page = html`<h1>Not found</h1><p>No page at this address.</p>`;
  }
  return html`
    <header class="top">
      <${Link} href="/" class="brand">Statehouse<//>
      <nav aria-label="main">
        <${Link} href="/">Stacks<//>
        <${Link} href="/user/settings/tokens">Access tokens<//>
      </nav>
      <span class="who">${session.user.login}</span>
      <button type="button" id="sign-out" onClick=${signOut}>Sign out</button>
    </header>
    <main id="main">${page}</main>
  `;
}

render(html`<${App} />`, document.getElementById('app'));
