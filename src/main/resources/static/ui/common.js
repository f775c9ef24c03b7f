// What the page's views share: element lookup, number and shape formatting, and the API call with its errors.

export const $ = (selector) => document.querySelector(selector);
export const fmt = (n) => Number(n).toLocaleString('en-US');
export const shapeText = (shape) => '[' + shape.join(', ') + ']';

/**
 * The error of a failed response: the API's `error` text when the body is JSON with one, else the status line.
 * Never throws (a proxy's HTML page or an empty body becomes "HTTP 502 Bad Gateway"). The parsed body, if any,
 * is kept as `error.body`.
 */
export async function responseError(response, path) {
  let text = '';
  try {
    text = await response.text();
  } catch (ignored) {
    // the status line below is all there is
  }
  let message = `HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}`;
  let body = null;
  try {
    body = JSON.parse(text);
    if (body && typeof body.error === 'string' && body.error) {
      message = body.error;
    }
  } catch (ignored) {
    // not JSON: keep the status line
  }
  const error = new Error(message);
  error.status = response.status;
  error.path = path;
  error.body = body;
  return error;
}

export async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (e) {
    throw new Error(`${path}: no answer from the service (${e.message})`);
  }
  if (!response.ok) {
    throw await responseError(response, path);
  }
  const text = await response.text();
  const type = response.headers.get('Content-Type') || '';
  if (!type.includes('json')) {
    return text;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: the answer is not valid JSON (${e.message})`);
  }
}

/** The page-wide status line (role=status): progress, or what failed (shown as an error). */
export function status(text, isError = false) {
  const element = $('#status');
  element.textContent = text;
  element.classList.toggle('error', isError && !!text);
}

export function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) {
    td.className = className;
  }
  row.appendChild(td);
  return td;
}
