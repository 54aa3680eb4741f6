import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, get, stackPath } from '../api.js';
import { Link, stackHref, enc } from '../router.js';
import { Failure, Loading, Value, mask, timeAgo, when } from '../util.js';

const PAGE = 200;

export function Stack({ org, project, stack }) {
  const [info, setInfo] = useState(null);
  const [state, setState] = useState(null);
  const [history, setHistory] = useState(null);
  const [error, setError] = useState(null);
  const [tab, setTab] = useState('overview');
  const base = stackPath(org, project, stack);

  useEffect(() => {
    get(base).then(setInfo, setError);
    get(`${base}/export`).then(setState, () => setState({ deployment: {} }));
    get(`${base}/updates?output-type=service&page=1&pageSize=50`).then(
      (h) => setHistory(h.updates || []),
      () => setHistory([]),
    );
  }, [base]);

  if (error) return html`<${Failure} error=${error} />`;
  if (!info) return html`<${Loading} />`;
  const resources = (state && state.deployment && state.deployment.resources) || [];
  const root = resources.find((r) => r.type === 'pulumi:pulumi:Stack');
  const outputs = (root && root.outputs) || {};
  const tabs = [
    ['overview', 'Overview'],
    ['resources', `Resources (${resources.length})`],
    ['history', 'History'],
  ];
  return html`
    <nav class="crumbs" aria-label="breadcrumb">
      <${Link} href=${`/${enc(org)}`}>${org}<//> / ${project} / <strong>${stack}</strong>
    </nav>
    <h1>${project}/${stack}</h1>
    ${info.currentOperation &&
    html`<p class="running">${info.currentOperation.kind} in progress, started by ${info.currentOperation.author}</p>`}
    <div role="tablist" class="tabs">
      ${tabs.map(
        ([id, label]) => html`<button type="button" role="tab" id=${`tab-${id}`} aria-selected=${tab === id}
          onClick=${() => setTab(id)}>${label}</button>`,
      )}
    </div>
    ${tab === 'overview' &&
    html`
      <section>
        <h2>Outputs</h2>
        ${Object.keys(outputs).length === 0
          ? html`<p class="muted">No outputs.</p>`
          : html`<table class="outputs" id="outputs">
              <tbody>
                ${Object.keys(outputs)
                  .sort()
                  .map((k) => html`<tr key=${k}><th scope="row">${k}</th><td><${Value} value=${outputs[k]} /></td></tr>`)}
              </tbody>
            </table>`}
        <h2>Tags</h2>
        <${Tags} base=${base} tags=${info.tags || {}} onChange=${(tags) => setInfo({ ...info, tags })} />
      </section>
    `}
    ${tab === 'resources' && (state ? html`<${Resources} resources=${resources} />` : html`<${Loading} />`)}
    ${tab === 'history' &&
    (history ? html`<${History} updates=${history} org=${org} project=${project} stack=${stack} />` : html`<${Loading} />`)}
  `;
}

// Tags the CLI maintains itself; the API refuses to change them one by one.
const BUILT_IN = new Set(['pulumi:project', 'pulumi:runtime', 'pulumi:description', 'pulumi:template',
  'vcs:owner', 'vcs:repo', 'vcs:kind', 'vcs:root']);

function Tags({ base, tags, onChange }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState(null);
  const add = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await api('POST', `${base}/tags`, { name: name.trim(), value });
      onChange({ ...tags, [name.trim()]: value });
      setName('');
      setValue('');
    } catch (err) {
      setError(err);
    }
  };
  const remove = async (k) => {
    setError(null);
    try {
      await api('DELETE', `${base}/tags/${encodeURIComponent(k)}`);
      const next = { ...tags };
      delete next[k];
      onChange(next);
    } catch (err) {
      setError(err);
    }
  };
  return html`
    <ul class="tags" id="stack-tags">
      ${Object.keys(tags)
        .sort()
        .map(
          (k) => html`<li class="tag" key=${k}>${k}: ${tags[k]}${!BUILT_IN.has(k) &&
            html` <button type="button" class="linkish" aria-label=${`Remove tag ${k}`} onClick=${() => remove(k)}>×</button>`}</li>`,
        )}
    </ul>
    <form class="inline" onSubmit=${add}>
      <input id="tag-name" aria-label="Tag name" placeholder="name" required maxlength="40"
        value=${name} onInput=${(e) => setName(e.target.value)} />
      <input id="tag-value" aria-label="Tag value" placeholder="value" maxlength="256" value=${value}
        onInput=${(e) => setValue(e.target.value)} />
      <button type="submit" id="tag-add">Add tag</button>
    </form>
    ${error && html`<${Failure} error=${error} />`}
  `;
}

function Resources({ resources }) {
  const [query, setQuery] = useState('');
  const [shown, setShown] = useState(PAGE);
  const [selected, setSelected] = useState(null);
  const depth = useMemo(() => {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const memo = new Map();
    const d = (r, seen = 0) => {
      if (memo.has(r.urn)) return memo.get(r.urn);
      const parent = r.parent && byUrn.get(r.parent);
      const v = parent && seen < 64 ? d(parent, seen + 1) + 1 : 0;
      memo.set(r.urn, v);
      return v;
    };
    return (r) => d(r);
  }, [resources]);
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return resources;
    return resources.filter((r) => `${r.urn} ${r.type} ${r.id || ''}`.toLowerCase().includes(q));
  }, [resources, query]);
  return html`
    <section class="resources">
      <input type="search" id="resource-filter" aria-label="Search resources" placeholder="Search by name, type or id"
        value=${query} onInput=${(e) => {
          setQuery(e.target.value);
          setShown(PAGE);
        }} />
      <p class="muted">${matches.length} of ${resources.length} resources</p>
      <ul class="tree">
        ${matches.slice(0, shown).map(
          (r) => html`<li key=${r.urn} style=${query ? '' : `padding-left:${depth(r) * 1.2}em`}>
            <button type="button" class="linkish" onClick=${() => setSelected(r)}>${nameOf(r.urn)}</button>
            <span class="muted"> ${r.type}</span>
          </li>`,
        )}
      </ul>
      ${matches.length > shown &&
      html`<button type="button" onClick=${() => setShown(shown + PAGE)}>Show more</button>`}
      ${selected && html`<${ResourceDetail} r=${selected} onClose=${() => setSelected(null)} />`}
    </section>
  `;
}

function ResourceDetail({ r, onClose }) {
  return html`
    <aside class="detail" aria-label="resource detail">
      <button type="button" class="close" onClick=${onClose} aria-label="Close">×</button>
      <h3>${nameOf(r.urn)}</h3>
      <dl>
        <dt>URN</dt><dd><code>${r.urn}</code></dd>
        <dt>Type</dt><dd>${r.type}</dd>
        ${r.id && html`<dt>ID</dt><dd><code>${r.id}</code></dd>`}
        ${r.provider && html`<dt>Provider</dt><dd><code>${r.provider}</code></dd>`}
        ${r.parent && html`<dt>Parent</dt><dd><code>${r.parent}</code></dd>`}
        ${(r.dependencies || []).length > 0 &&
        html`<dt>Dependencies</dt><dd>${r.dependencies.map((d) => html`<div key=${d}><code>${d}</code></div>`)}</dd>`}
      </dl>
      <h4>Inputs</h4><pre>${JSON.stringify(mask(r.inputs || {}), null, 2)}</pre>
      <h4>Outputs</h4><pre>${JSON.stringify(mask(r.outputs || {}), null, 2)}</pre>
    </aside>
  `;
}

function History({ updates, org, project, stack }) {
  if (updates.length === 0) return html`<p class="muted">No updates yet.</p>`;
  return html`
    <table class="history">
      <thead><tr><th>Version</th><th>Kind</th><th>Result</th><th>Started</th><th>Message</th><th>By</th></tr></thead>
      <tbody>
        ${updates.map(
          (u) => html`<tr key=${u.version}>
            <td><${Link} href=${`${stackHref(org, project, stack)}/updates/${u.version}`}>#${u.version}<//></td>
            <td>${u.info.kind}</td>
            <td class=${`result-${u.info.result}`}>${u.info.result}</td>
            <td title=${when(u.info.startTime)}>${timeAgo(u.info.startTime)}</td>
            <td>${u.info.message}</td>
            <td>${u.requestedBy && u.requestedBy.githubLogin}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  `;
}

function nameOf(urn) {
  const i = urn.lastIndexOf('::');
  return i >= 0 ? urn.slice(i + 2) : urn;
}
