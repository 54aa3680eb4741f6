import { html } from 'htm/preact';

export function timeAgo(seconds) {
  if (!seconds) return 'never';
  const d = Math.max(0, Date.now() / 1000 - seconds);
  if (d < 60) return 'just now';
  if (d < 3600) return `${Math.floor(d / 60)} min ago`;
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
  return `${Math.floor(d / 86400)} d ago`;
}

export function when(seconds) {
  if (!seconds) return '';
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export function duration(start, end) {
  if (!start) return '';
  const s = Math.max(0, (end || Date.now() / 1000) - start);
  if (s < 60) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

// Pulumi's marker for a secret value inside a state.
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

export function isSecret(v) {
  return v !== null && typeof v === 'object' && v[SECRET_SIG] === '1b47061264138c4ac30d75fd1eb44270';
}

// A value for display with every secret masked (never decrypted here).
export function mask(v) {
  if (isSecret(v)) return '[secret]';
  if (Array.isArray(v)) return v.map(mask);
  if (v !== null && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v)) out[k] = mask(v[k]);
    return out;
  }
  return v;
}

// Text, never markup: Preact renders strings as text nodes.
export function Value({ value }) {
  if (isSecret(value)) return html`<span class="secret" title="secret">[secret]</span>`;
  if (typeof value === 'string') return html`<span>${value}</span>`;
  return html`<code>${JSON.stringify(mask(value))}</code>`;
}

export function Loading() {
  return html`<p class="muted" role="status">Loading…</p>`;
}

export function Failure({ error }) {
  return html`<p class="error" role="alert">${String(error && error.message ? error.message : error)}</p>`;
}
