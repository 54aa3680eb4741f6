// The console's only way to the server: the REST API, with the session
// cookie (HttpOnly, so never seen here) and the session's CSRF token, kept in
// memory only (never localStorage, never a URL).

let csrfToken = '';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function setCsrfToken(token) {
  csrfToken = token || '';
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  let data = null;
  const text = await response.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = null;
    }
  }
  if (!response.ok) {
    const message = (data && data.message) || `${response.status} ${response.statusText}`;
    if (response.status === 401) window.dispatchEvent(new CustomEvent('statehouse-signed-out'));
    throw new ApiError(response.status, message);
  }
  return data;
}

export const get = (path) => api('GET', path);

// Encodes one path segment.
export const seg = (s) => encodeURIComponent(s);

export function stackPath(org, project, stack) {
  return `/api/stacks/${seg(org)}/${seg(project)}/${seg(stack)}`;
}
