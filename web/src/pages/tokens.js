import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, get } from '../api.js';
import { Failure, Loading, timeAgo } from '../util.js';

export function Tokens() {
  const [tokens, setTokens] = useState(null);
  const [error, setError] = useState(null);
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState(null);
  const load = () => get('/api/user/tokens').then((r) => setTokens(r.tokens || []), setError);
  useEffect(() => {
    load();
  }, []);
  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api('POST', '/api/user/tokens', { description, expires: 0 });
      setCreated(r.tokenValue);
      setDescription('');
      load();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (t) => {
    if (!window.confirm(`Delete the token "${t.description || t.name}"?`)) return;
    try {
      await api('DELETE', `/api/user/tokens/${encodeURIComponent(t.id)}`);
      load();
    } catch (err) {
      setError(err);
    }
  };
  return html`
    <h1>Access tokens</h1>
    <form onSubmit=${create} class="inline">
      <label for="token-description">Description</label>
      <input id="token-description" required maxlength="255" value=${description}
        onInput=${(e) => setDescription(e.target.value)} />
      <button type="submit" id="create-token">Create token</button>
    </form>
    ${created &&
    html`<div class="notice" role="status">
      <p>Copy the new token now; it is not shown again:</p>
      <input readonly id="new-token" value=${created} onFocus=${(e) => e.target.select()} />
      <button type="button" onClick=${() => setCreated(null)}>Done</button>
    </div>`}
    ${error && html`<${Failure} error=${error} />`}
    ${!tokens
      ? html`<${Loading} />`
      : html`<table class="tokens">
          <thead><tr><th>Description</th><th>Created</th><th>Last used</th><th></th></tr></thead>
          <tbody>
            ${tokens.map(
              (t) => html`<tr key=${t.id}>
                <td>${t.description || t.name}</td>
                <td>${t.created}</td>
                <td>${timeAgo(t.lastUsed)}</td>
                <td><button type="button" class="danger" onClick=${() => revoke(t)}>Delete</button></td>
              </tr>`,
            )}
          </tbody>
        </table>`}
  `;
}
