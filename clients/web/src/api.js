// The one way the client talks to the API: same origin, the session cookie, the CSRF header
// on writes, and every error read into {status, code, title, detail, errors, retryAfter}.
const BASE = '/api/v1';
const PROBLEM_PREFIX = 'urn:canet:problem:';
const CSRF_COOKIE = 'canet_csrf';
const CSRF_HEADER = 'X-CSRF-Token';

export class ApiError extends Error {
  constructor({ status, code, title = '', detail = '', errors = [], retryAfter = null }) {
    super(detail || title || code);
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
    this.retryAfter = retryAfter;
  }
}

let onUnauthorized = () => {};

/** Called when a signed-in request answers 401: the session ended (or was revoked). */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

/** The CSRF cookie comes and goes with the session cookie, which script cannot read. */
export function mayHaveSession() {
  return csrfToken() !== '';
}

function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return '';
}

async function problemOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const type = (body && body.type) || '';
  const retry = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  return new ApiError({
    status: response.status,
    code: type.startsWith(PROBLEM_PREFIX) ? type.slice(PROBLEM_PREFIX.length) : `http-${response.status}`,
    title: (body && body.title) || response.statusText,
    detail: (body && body.detail) || '',
    errors: (body && Array.isArray(body.errors) && body.errors) || [],
    retryAfter: Number.isFinite(retry) ? retry : null,
  });
}

/**
 * api('POST', '/auth/login', {body: {...}}) -> the parsed JSON (null for 204).
 * A Blob (a File) as `body` is sent as it is, with its own type (a file to import, say).
 * `anonymous: true` for calls made before signing in: their 401s are answers, not a lost session.
 */
export async function api(method, path, { body, query, signal, anonymous = false } = {}) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const headers = { Accept: 'application/json, application/problem+json' };
  const file = typeof Blob !== 'undefined' && body instanceof Blob;
  if (body !== undefined) headers['Content-Type'] = file ? body.type || 'application/octet-stream' : 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken();
    if (token) headers[CSRF_HEADER] = token;
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined || file ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    if (error && error.name === 'AbortError') throw error;
    throw new ApiError({ status: 0, code: 'network' });
  }
  if (response.ok) {
    if (response.status === 204) return null;
    return response.json();
  }
  const problem = await problemOf(response);
  if (problem.status === 401 && !anonymous) onUnauthorized(problem);
  throw problem;
}

/**
 * upload('/cases/{id}/attachments', formData, {onProgress}) -> {promise, cancel}: a multipart
 * POST through XMLHttpRequest, whose upload events report progress as the body is sent (fetch
 * gives none). Same origin, the session cookie and the CSRF header, errors read like api()'s;
 * cancel() aborts it and the promise rejects with an AbortError.
 */
export function upload(path, formData, { onProgress = () => {} } = {}) {
  const request = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    request.open('POST', BASE + path);
    request.withCredentials = true;
    request.setRequestHeader('Accept', 'application/json, application/problem+json');
    const token = csrfToken();
    if (token) request.setRequestHeader(CSRF_HEADER, token);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    request.addEventListener('abort', () => reject(new DOMException('Upload cancelled', 'AbortError')));
    request.addEventListener('error', () => reject(new ApiError({ status: 0, code: 'network' })));
    request.addEventListener('load', async () => {
      if (request.status >= 200 && request.status < 300) {
        try {
          resolve(JSON.parse(request.responseText));
        } catch {
          reject(new ApiError({ status: request.status, code: 'http-' + request.status }));
        }
        return;
      }
      const headers = {};
      for (const name of ['Content-Type', 'Retry-After']) {
        const value = request.getResponseHeader(name);
        if (value) headers[name] = value;
      }
      const problem = await problemOf(new Response(request.responseText, { status: request.status, headers }));
      if (problem.status === 401) onUnauthorized(problem);
      reject(problem);
    });
    request.send(formData);
  });
  return { promise, cancel: () => request.abort() };
}
