import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, stackPath } from '../api.js';
import { Link, stackHref } from '../router.js';
import { Failure, Loading, duration, when } from '../util.js';

// An update: its summary and its engine-event log, polled while it runs.
export function Update({ org, project, stack, version }) {
  const [update, setUpdate] = useState(null);
  const [events, setEvents] = useState([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState(null);
  const [only, setOnly] = useState('all');
  const base = stackPath(org, project, stack);

  useEffect(() => {
    let cancelled = false;
    let timer = 0;
    (async () => {
      const u = await get(`${base}/updates/${encodeURIComponent(version)}`);
      if (cancelled) return;
      setUpdate(u);
      let token = '';
      const poll = async () => {
        const q = token ? `?continuationToken=${encodeURIComponent(token)}` : '';
        const page = await get(`${base}/update/${encodeURIComponent(u.updateID)}/events${q}`);
        if (cancelled) return;
        if (page.events && page.events.length) setEvents((e) => e.concat(page.events));
        if (page.continuationToken) {
          token = page.continuationToken;
          timer = setTimeout(() => poll().catch(setError), page.events && page.events.length ? 0 : 2000);
        } else {
          setDone(true);
          get(`${base}/updates/${encodeURIComponent(version)}`).then((x) => !cancelled && setUpdate(x));
        }
      };
      await poll();
    })().catch((e) => !cancelled && setError(e));
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [base, version]);

  if (error) return html`<${Failure} error=${error} />`;
  if (!update) return html`<${Loading} />`;
  const info = update.info;
  const lines = events.map(toLine).filter((l) => l && (only === 'all' || l.severity === only));
  return html`
    <nav class="crumbs" aria-label="breadcrumb">
      <${Link} href=${stackHref(org, project, stack)}>${org}/${project}/${stack}<//> / update #${version}
    </nav>
    <h1>Update #${version}</h1>
    <dl class="summary">
      <dt>Kind</dt><dd>${info.kind}</dd>
      <dt>Result</dt><dd class=${`result-${info.result}`} id="update-result">${info.result}</dd>
      <dt>Started</dt><dd>${when(info.startTime)}</dd>
      <dt>Duration</dt><dd>${duration(info.startTime, info.endTime)}</dd>
      <dt>Message</dt><dd>${info.message}</dd>
      <dt>Changes</dt><dd>${Object.entries(info.resourceChanges || {})
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}</dd>
    </dl>
    <h2>Log ${done ? '' : html`<span class="muted">(live)</span>`}</h2>
    <label>Show <select value=${only} onChange=${(e) => setOnly(e.target.value)}>
      <option value="all">everything</option><option value="error">errors</option><option value="warning">warnings</option>
    </select></label>
    <pre class="log" id="event-log">${lines.map((l, i) => html`<div key=${i} class=${`sev-${l.severity}`}>${l.text}</div>`)}</pre>
  `;
}

// One engine event as a line of text (never markup).
function toLine(e) {
  if (e.diagnosticEvent) {
    const d = e.diagnosticEvent;
    return { severity: d.severity || 'info', text: `${d.urn ? d.urn + ': ' : ''}${stripColor(d.message || '')}` };
  }
  if (e.stdoutEvent) return { severity: 'info', text: stripColor(e.stdoutEvent.message || '') };
  if (e.resourcePreEvent) {
    const m = e.resourcePreEvent.metadata || {};
    return { severity: 'info', text: `${m.op || ''} ${m.urn || ''}` };
  }
  if (e.resOutputsEvent) {
    const m = e.resOutputsEvent.metadata || {};
    return { severity: 'info', text: `${m.op || ''} ${m.urn || ''} done` };
  }
  if (e.resOpFailedEvent) {
    const m = e.resOpFailedEvent.metadata || {};
    return { severity: 'error', text: `${m.op || ''} ${m.urn || ''} failed` };
  }
  if (e.summaryEvent) {
    const c = e.summaryEvent.resourceChanges || {};
    return { severity: 'info', text: `summary: ${Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ')}` };
  }
  if (e.cancelEvent) return { severity: 'warning', text: 'cancelled' };
  return null;
}

function stripColor(s) {
  return s.replace(/<\{%[^%]*%\}>/g, '').replace(/\u001b\[[0-9;]*m/g, '');
}
