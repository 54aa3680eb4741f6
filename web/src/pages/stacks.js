import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, stackPath } from '../api.js';
import { Link, stackHref } from '../router.js';
import { Failure, Loading, timeAgo } from '../util.js';

// Every stack the caller can read, grouped by organization/project. Tags
// come from each stack's own read (the list does not carry them), a few at
// a time.
export function Stacks({ org }) {
  const [stacks, setStacks] = useState(null);
  const [tags, setTags] = useState({});
  const [error, setError] = useState(null);
  const [filter, setFilter] = useState('');

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const all = [];
      let token = '';
      do {
        const q = new URLSearchParams({ maxResults: '500' });
        if (org) q.set('organization', org);
        if (token) q.set('continuationToken', token);
        const page = await get(`/api/user/stacks?${q}`);
        all.push(...(page.stacks || []));
        token = page.continuationToken || '';
      } while (token && !cancelled);
      if (cancelled) return;
      setStacks(all);
      const queue = all.slice(0, 200);
      const worker = async () => {
        while (queue.length && !cancelled) {
          const s = queue.shift();
          try {
            const full = await get(stackPath(s.orgName, s.projectName, s.stackName));
            if (!cancelled) setTags((t) => ({ ...t, [key(s)]: full.tags || {} }));
          } catch (e) {
            /* shown without tags */
          }
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
    })().catch((e) => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, [org]);

  const groups = useMemo(() => {
    if (!stacks) return [];
    const f = filter.trim().toLowerCase();
    const byProject = new Map();
    for (const s of stacks) {
      const t = tags[key(s)] || {};
      const text = [s.orgName, s.projectName, s.stackName, ...Object.entries(t).flat()]
        .join(' ')
        .toLowerCase();
      if (f && !text.includes(f)) continue;
      const g = `${s.orgName}/${s.projectName}`;
      if (!byProject.has(g)) byProject.set(g, []);
      byProject.get(g).push(s);
    }
    return [...byProject.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  }, [stacks, tags, filter]);

  if (error) return html`<${Failure} error=${error} />`;
  if (!stacks) return html`<${Loading} />`;
  return html`
    <h1>Stacks${org ? html` in ${org}` : ''}</h1>
    <input type="search" id="stack-filter" aria-label="Filter stacks" placeholder="Filter by name or tag"
      value=${filter} onInput=${(e) => setFilter(e.target.value)} />
    ${stacks.length === 0 && html`<p class="muted">No stacks yet. Create one with <code>pulumi stack init</code>.</p>`}
    ${groups.map(
      ([name, list]) => html`
        <section class="project" key=${name}>
          <h2>${name}</h2>
          <table class="stacks">
            <thead><tr><th>Stack</th><th>Last update</th><th>Resources</th><th>Tags</th></tr></thead>
            <tbody>
              ${list.map(
                (s) => html`<tr key=${key(s)} class="stack-row">
                  <td><${Link} href=${stackHref(s.orgName, s.projectName, s.stackName)}>${s.stackName}<//></td>
                  <td>${timeAgo(s.lastUpdate)}</td>
                  <td>${s.resourceCount ?? ''}</td>
                  <td class="tags">${Object.entries(tags[key(s)] || {}).map(
                    ([k, v]) => html`<span class="tag" key=${k}>${k}: ${v}</span>`,
                  )}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </section>
      `,
    )}
  `;
}

const key = (s) => `${s.orgName}/${s.projectName}/${s.stackName}`;
