import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Failure } from '../util.js';

export function SignIn({ onSignedIn }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await api('POST', '/api/console/session', { accessToken: token.trim() });
      setToken('');
      onSignedIn(s);
    } catch (err) {
      setError(err.status === 401 ? 'That access token is not valid.' : err);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="signin">
      <h1>Sign in to Statehouse</h1>
      <form onSubmit=${submit}>
        <label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="off" required
          placeholder="pul-…" value=${token} onInput=${(e) => setToken(e.target.value)} />
        <button type="submit" id="sign-in" disabled=${busy}>Sign in</button>
      </form>
      ${error && html`<${Failure} error=${error} />`}
      <p class="muted">Use a personal access token (<code>pulumi login</code> prints where to get one).</p>
    </main>
  `;
}
