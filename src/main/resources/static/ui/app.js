// convserve's page: plain ES modules, no build step. Talks only to the service's public HTTP API:
// /v2/models, /layers, /stats, /config, /predictions, /preprocess and /infer (layer outputs as binary tensors);
// the design view (design.js) /v2/summary.

import {$, api, cell, fmt, responseError, shapeText, status} from './common.js';
import {showDesign} from './design.js';

/** Budget of feature-map values fetched at once; larger layers get a button instead. */
const FEATURE_MAP_BUDGET = 4_000_000;
/** Channels drawn per layer. */
const MAX_CHANNELS = 32;
const CONV_TYPES = new Set(['conv2d', 'depthwise_conv2d']);
/** Content types /predictions and /preprocess declare for a raw image body. */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg']);

const state = {models: [], model: null, version: null, declaredLayers: [], config: null};

/** Counts model openings and classifications: an answer that arrives after a newer one started is dropped. */
let generation = 0;

function showError(element, error) {
  element.textContent = error ? String(error.message || error) : '';
  element.hidden = !error;
}

function modelPath(suffix = '') {
  const m = encodeURIComponent(state.model.name);
  const v = encodeURIComponent(state.version);
  return `/v2/models/${m}/versions/${v}${suffix}`;
}

// ---------------------------------------------------------------- model list

async function loadModels() {
  const list = await api('/v2/models');
  state.models = list.models;
  const tbody = $('#models-table tbody');
  tbody.replaceChildren();
  for (const m of list.models) {
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    const link = document.createElement('a');
    link.href = `#/models/${encodeURIComponent(m.name)}`;
    link.textContent = m.name;
    name.appendChild(link);
    tr.appendChild(name);
    cell(tr, m.versions.join(', '));
    cell(tr, shapeText(m.input_shape), 'shape');
    cell(tr, shapeText(m.output_shape), 'shape');
    cell(tr, fmt(m.parameters), 'num');
    cell(tr, (m.description || '') + (m.generated_weights ? ' (architecture only: seeded weights)' : ''));
    tbody.appendChild(tr);
  }
}

// ---------------------------------------------------------------- one model

async function showModel(name) {
  const m = state.models.find((x) => x.name === name);
  if (!m) {
    throw new Error(`no model named '${name}' is loaded`);
  }
  const mine = ++generation;
  // nothing of the previous model stays on screen while this one loads
  $('#try-view').hidden = true;
  clearResults();
  clearLayers();
  $('#metrics').replaceChildren();
  $('#metrics-version').textContent = m.latest_version;
  state.model = m;
  state.version = m.latest_version;
  state.config = null;
  state.declaredLayers = [];
  $('#model-heading').textContent = `${m.name} (version ${m.latest_version})`;
  $('#model-description').textContent = m.description || '';
  $('#model-design-link').href = `#/design?from=${encodeURIComponent(m.name)}`;
  document.title = `convserve — ${m.name}`;
  const declared = m.input_shape.slice(1);
  $('#input-shape').value = declared.join(',');
  $('#batch-size').value = 1;
  status(`Loading ${m.name}…`);
  const failed = [];
  const [config, summary] = await Promise.all([
    api(modelPath('/config')).catch((e) => {
      failed.push(`the configuration (/config: ${e.message}), so the try-it section is not shown`);
      return null;
    }),
    loadLayers(declared, 1),
    loadMetrics().catch((e) => failed.push(`the metrics (/stats: ${e.message})`)),
  ]);
  if (mine !== generation) {
    return;
  }
  state.config = config;
  state.declaredLayers = summary ? summary.layers : [];
  if (!summary) {
    failed.push('the layer table (see the error above it)');
  }
  const pre = config && config.preprocessing;
  if (pre) {
    setUpTry(pre);
  }
  $('#try-view').hidden = !pre;
  status(failed.length ? `Could not load ${failed.join('; ')}.` : '', failed.length > 0);
}

function clearLayers() {
  $('#layers-table tbody').replaceChildren();
  $('#layers-table tfoot').replaceChildren();
  $('#params-chart').replaceChildren();
  $('#macs-chart').replaceChildren();
  showError($('#layers-error'), null);
}

async function loadLayers(shape, batch) {
  const query = new URLSearchParams({input_shape: shape.join(','), batch_size: String(batch)});
  try {
    const summary = await api(modelPath('/layers?' + query));
    showError($('#layers-error'), null);
    renderLayers(summary);
    return summary;
  } catch (e) {
    // no table of the previous size beside the error: the page shows one input size or the reason there is none
    clearLayers();
    showError($('#layers-error'), e);
    return null;
  }
}

function renderLayers(summary) {
  const tbody = $('#layers-table tbody');
  tbody.replaceChildren();
  for (const layer of summary.layers) {
    const tr = document.createElement('tr');
    tr.dataset.layer = layer.name;
    cell(tr, layer.index, 'num');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = layer.name;
    tr.appendChild(th);
    cell(tr, layer.type);
    cell(tr, shapeText(layer.input_shape), 'shape');
    cell(tr, shapeText(layer.output_shape), 'shape');
    cell(tr, fmt(layer.parameters), 'num');
    cell(tr, fmt(layer.macs), 'num');
    cell(tr, fmt(layer.activation_bytes), 'num');
    tbody.appendChild(tr);
  }
  const t = summary.totals;
  const foot = $('#layers-table tfoot');
  foot.replaceChildren();
  const tr = document.createElement('tr');
  tr.id = 'totals';
  cell(tr, '');
  cell(tr, 'Total');
  cell(tr, '');
  cell(tr, shapeText(summary.input_shape), 'shape');
  cell(tr, shapeText(summary.layers.at(-1).output_shape), 'shape');
  cell(tr, fmt(t.parameters), 'num');
  cell(tr, fmt(t.macs), 'num');
  cell(tr, fmt(t.activation_bytes), 'num');
  foot.appendChild(tr);
  barChart($('#params-chart'), summary.layers, 'parameters', t.parameters, 'var(--bar)');
  barChart($('#macs-chart'), summary.layers, 'macs', t.macs, 'var(--bar2)');
}

/** A horizontal bar per layer that has any of `key`, labelled with its share of the total. */
function barChart(container, layers, key, total, colour) {
  const rows = layers.filter((l) => l[key] > 0);
  const svgNs = 'http://www.w3.org/2000/svg';
  const rowHeight = 18;
  const labelWidth = 130;
  const width = 440;
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', `0 0 ${width} ${rows.length * rowHeight + 4}`);
  svg.setAttribute('width', '100%');
  svg.setAttribute('role', 'img');
  const description = rows.map((l) => `${l.name} ${(100 * l[key] / total).toFixed(1)}%`).join(', ');
  svg.setAttribute('aria-label', `${key} by layer: ${description}`);
  const barSpace = width - labelWidth - 60;
  rows.forEach((l, i) => {
    const share = total > 0 ? l[key] / total : 0;
    const y = i * rowHeight + 2;
    const label = document.createElementNS(svgNs, 'text');
    label.setAttribute('x', labelWidth - 6);
    label.setAttribute('y', y + 12);
    label.setAttribute('text-anchor', 'end');
    label.textContent = l.name;
    const bar = document.createElementNS(svgNs, 'rect');
    bar.setAttribute('x', labelWidth);
    bar.setAttribute('y', y + 2);
    bar.setAttribute('height', rowHeight - 5);
    bar.setAttribute('width', Math.max(1, share * barSpace));
    bar.setAttribute('style', `fill: ${colour}`);
    bar.dataset.layer = l.name;
    bar.dataset.share = share.toFixed(6);
    const title = document.createElementNS(svgNs, 'title');
    title.textContent = `${l.name}: ${fmt(l[key])} ${key} (${(100 * share).toFixed(1)}%)`;
    bar.appendChild(title);
    const value = document.createElementNS(svgNs, 'text');
    value.setAttribute('x', labelWidth + Math.max(1, share * barSpace) + 4);
    value.setAttribute('y', y + 12);
    value.textContent = `${(100 * share).toFixed(1)}%`;
    svg.append(label, bar, value);
  });
  container.replaceChildren(svg);
}

async function loadMetrics() {
  const stats = await api(modelPath('/stats'));
  const s = stats.model_stats && stats.model_stats[0];
  if (!s) {
    throw new Error(`/stats has no statistics for ${state.model.name} version ${state.version}`);
  }
  const items = [
    ['Requests', fmt(s.inference_stats.success.count + s.inference_stats.fail.count)],
    ['Failed', fmt(s.inference_stats.fail.count)],
    ['Inferences', fmt(s.inference_count)],
    ['Executions', fmt(s.execution_count)],
    ['p50 latency', s.latency.window ? `${(s.latency.p50_us / 1000).toFixed(1)} ms` : '—'],
    ['p99 latency', s.latency.window ? `${(s.latency.p99_us / 1000).toFixed(1)} ms` : '—'],
  ];
  const dl = $('#metrics');
  dl.replaceChildren();
  for (const [name, value] of items) {
    const div = document.createElement('div');
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value;
    dd.dataset.metric = name;
    div.append(dt, dd);
    dl.appendChild(div);
  }
  $('#metrics-version').textContent = s.version;
}

// ---------------------------------------------------------------- try it

let padReady = false;

function setUpTry(pre) {
  const parts = [];
  if (pre.color) parts.push(pre.color);
  if (pre.resize) parts.push(`resize ${pre.resize.join('x')}`);
  if (pre.center_crop) parts.push(`center crop ${pre.center_crop.join('x')}`);
  if (pre.invert) parts.push('invert');
  if (pre.scale) parts.push(`scale ${Number(pre.scale).toPrecision(4)}`);
  if (pre.mean) parts.push(`mean ${pre.mean.join('/')}`);
  if (pre.std) parts.push(`std ${pre.std.join('/')}`);
  $('#preprocessing').textContent = parts.join(', ');
  // a digit pad for one-channel models; photos go through the upload field
  $('#draw-panel').hidden = state.model.input_shape[1] !== 1;
  clearPad();
  clearResults();
  if (!padReady) {
    initPad();
    padReady = true;
  }
}

/** Removes the previous image's top 5, feature maps and error. */
function clearResults() {
  $('#top5 tbody').replaceChildren();
  $('#prediction').textContent = '';
  $('#prediction').dataset.label = '';
  $('#feature-maps').replaceChildren();
  $('#sent-figure').hidden = true;
  showError($('#try-error'), null);
}

/** The pad draws in the model's polarity: light strokes on dark unless the model inverts its images. */
function padColours() {
  const invert = state.config && state.config.preprocessing && state.config.preprocessing.invert;
  return invert ? {background: '#fff', stroke: '#000'} : {background: '#000', stroke: '#fff'};
}

function clearPad() {
  const pad = $('#pad');
  const ctx = pad.getContext('2d');
  ctx.fillStyle = padColours().background;
  ctx.fillRect(0, 0, pad.width, pad.height);
  pad.style.background = padColours().background;
}

function initPad() {
  const pad = $('#pad');
  const ctx = pad.getContext('2d');
  let last = null;
  const point = (e) => {
    const r = pad.getBoundingClientRect();
    return {x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height};
  };
  pad.addEventListener('pointerdown', (e) => {
    pad.setPointerCapture(e.pointerId);
    last = point(e);
    ctx.fillStyle = padColours().stroke;
    ctx.beginPath();
    ctx.arc(last.x, last.y, 10, 0, 2 * Math.PI);
    ctx.fill();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = point(e);
    ctx.strokeStyle = padColours().stroke;
    ctx.lineWidth = 20;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
  });
  const end = () => {
    last = null;
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  initKeyboardPen(pad, ctx);
  $('#clear').addEventListener('click', clearPad);
  $('#classify-drawing').addEventListener('click', async () => {
    try {
      const blob = await drawingBlob($('#center').checked);
      await classify(blob);
    } catch (e) {
      showError($('#try-error'), e);
    }
  });
  $('#upload').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    // emptied at once, so that choosing the same file again is a change (and classifies again)
    e.target.value = '';
    if (file) {
      await classify(file);
    }
  });
}

/**
 * The pad from the keyboard: a pen starts in the middle, arrow keys move it (Shift: small steps), Space puts it
 * down (drawing a dot) or lifts it; moving with the pen down draws. The pen is shown by an outline over the pad
 * (not drawn into the image) and its state is announced in #pen-state.
 */
function initKeyboardPen(pad, ctx) {
  const cursor = $('#pen');
  const pen = {x: pad.width / 2, y: pad.height / 2, down: false};
  const show = () => {
    cursor.style.left = `${100 * pen.x / pad.width}%`;
    cursor.style.top = `${100 * pen.y / pad.height}%`;
    cursor.classList.toggle('down', pen.down);
  };
  const announce = () => {
    $('#pen-state').textContent = `Pen ${pen.down ? 'down' : 'up'} at ${Math.round(pen.x)}, ${Math.round(pen.y)}.`;
  };
  const steps = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
  pad.addEventListener('keydown', (e) => {
    if (e.key === ' ') {
      pen.down = !pen.down;
      if (pen.down) {
        ctx.fillStyle = padColours().stroke;
        ctx.beginPath();
        ctx.arc(pen.x, pen.y, 10, 0, 2 * Math.PI);
        ctx.fill();
      }
      announce();
    } else if (e.key === 'Escape' && pen.down) {
      pen.down = false;
      announce();
    } else if (steps[e.key]) {
      const step = e.shiftKey ? 4 : 14;
      const [dx, dy] = steps[e.key];
      const x = Math.min(pad.width, Math.max(0, pen.x + dx * step));
      const y = Math.min(pad.height, Math.max(0, pen.y + dy * step));
      if (pen.down) {
        ctx.strokeStyle = padColours().stroke;
        ctx.lineWidth = 20;
        ctx.lineCap = 'round';
        ctx.beginPath();
        ctx.moveTo(pen.x, pen.y);
        ctx.lineTo(x, y);
        ctx.stroke();
      }
      pen.x = x;
      pen.y = y;
    } else {
      return;
    }
    e.preventDefault();
    show();
  });
  pad.addEventListener('keyup', (e) => {
    if (steps[e.key]) announce();
  });
  pad.addEventListener('focus', () => {
    cursor.hidden = false;
    show();
  });
  pad.addEventListener('blur', () => {
    cursor.hidden = true;
  });
}

/**
 * The drawing as a PNG. Centred like MNIST's digits: the stroke's bounding box scaled into 20/28 of the side,
 * then its centre of mass moved to the middle.
 */
async function drawingBlob(center) {
  const pad = $('#pad');
  const {background, stroke} = padColours();
  const darkInk = stroke === '#000';
  const data = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data;
  const ink = (i) => (darkInk ? 255 - data[i] : data[i]);
  let x0 = pad.width, y0 = pad.height, x1 = -1, y1 = -1;
  for (let y = 0; y < pad.height; y++) {
    for (let x = 0; x < pad.width; x++) {
      if (ink(4 * (y * pad.width + x)) > 16) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) {
    throw new Error('the pad is empty: draw something first');
  }
  let out = pad;
  if (center) {
    const side = pad.width;
    const w = x1 - x0 + 1, h = y1 - y0 + 1;
    const k = (side * 20 / 28) / Math.max(w, h);
    const scaled = document.createElement('canvas');
    scaled.width = Math.max(1, Math.round(w * k));
    scaled.height = Math.max(1, Math.round(h * k));
    const sctx = scaled.getContext('2d');
    sctx.imageSmoothingQuality = 'high';
    sctx.drawImage(pad, x0, y0, w, h, 0, 0, scaled.width, scaled.height);
    const sdata = sctx.getImageData(0, 0, scaled.width, scaled.height).data;
    let mass = 0, mx = 0, my = 0;
    for (let y = 0; y < scaled.height; y++) {
      for (let x = 0; x < scaled.width; x++) {
        const v = darkInk ? 255 - sdata[4 * (y * scaled.width + x)] : sdata[4 * (y * scaled.width + x)];
        mass += v; mx += v * x; my += v * y;
      }
    }
    const cx = mass > 0 ? mx / mass : scaled.width / 2;
    const cy = mass > 0 ? my / mass : scaled.height / 2;
    out = document.createElement('canvas');
    out.width = side;
    out.height = side;
    const octx = out.getContext('2d');
    octx.fillStyle = background;
    octx.fillRect(0, 0, side, side);
    octx.drawImage(scaled, Math.round(side / 2 - cx), Math.round(side / 2 - cy));
  }
  return new Promise((resolve) => out.toBlob(resolve, 'image/png'));
}

/**
 * Sends the image to /predictions and the feature maps' requests, then shows all of it at once: an error leaves
 * the results empty with the API's error text, never the previous image's results beside the new image.
 */
async function classify(blob) {
  const mine = ++generation;
  clearResults();
  // the API takes PNG and JPEG by name; anything else goes as bytes, and the API says what it makes of them
  const type = IMAGE_TYPES.has(blob.type) ? blob.type : 'application/octet-stream';
  status('Classifying…');
  let failure = null;
  try {
    const m = encodeURIComponent(state.model.name);
    const v = encodeURIComponent(state.version);
    const result = await api(`/predictions/${m}/${v}?top_k=5`, {method: 'POST', headers: {'Content-Type': type}, body: blob});
    const maps = await featureMaps(blob, type);
    if (mine !== generation) {
      return;
    }
    const sent = $('#sent');
    if (sent.src) URL.revokeObjectURL(sent.src);
    sent.src = URL.createObjectURL(blob);
    $('#sent-figure').hidden = false;
    renderTop5(result.predictions);
    renderFeatureMaps(maps);
  } catch (e) {
    if (mine !== generation) {
      return;
    }
    failure = e;
    clearResults();
    showError($('#try-error'), `Could not classify the image: ${e.message}`);
  }
  status('');
  try {
    await loadMetrics();
  } catch (e) {
    if (!failure && mine === generation) {
      status(`Could not refresh the metrics (/stats: ${e.message}).`, true);
    }
  }
}

function renderTop5(predictions) {
  const tbody = $('#top5 tbody');
  tbody.replaceChildren();
  for (const p of predictions) {
    const tr = document.createElement('tr');
    cell(tr, p.label);
    cell(tr, (100 * p.probability).toFixed(2) + ' %', 'num');
    const td = cell(tr, '', 'bar');
    const bar = document.createElement('div');
    bar.className = 'pbar';
    bar.style.width = `${Math.max(0.5, 100 * p.probability)}%`;
    bar.setAttribute('aria-hidden', 'true');
    td.appendChild(bar);
    tbody.appendChild(tr);
  }
  const best = predictions[0];
  $('#prediction').textContent = best ? `Prediction: ${best.label}` : '';
  $('#prediction').dataset.label = best ? best.label : '';
}

// ---------------------------------------------------------------- feature maps

/**
 * Fetches the feature maps of the convolution layers that fit the budget (the others get a button later):
 * {input, convs, now, tensors}.
 */
async function featureMaps(blob, type) {
  const convs = state.declaredLayers.filter((l) => CONV_TYPES.has(l.type));
  if (convs.length === 0) {
    return {input: null, convs, now: new Set(), tensors: new Map()};
  }
  const input = await api(modelPath('/preprocess'), {method: 'POST', headers: {'Content-Type': type}, body: blob});
  let budget = FEATURE_MAP_BUDGET;
  const now = new Set();
  for (const layer of convs) {
    const [, c, h, w] = layer.output_shape;
    if (c * h * w <= budget) {
      budget -= c * h * w;
      now.add(layer.name);
    }
  }
  const tensors = now.size ? await fetchMaps(input, convs.filter((l) => now.has(l.name))) : new Map();
  return {input, convs, now, tensors};
}

function renderFeatureMaps({input, convs, now, tensors}) {
  const container = $('#feature-maps');
  container.replaceChildren();
  if (convs.length === 0) {
    container.textContent = 'This model has no convolution layers.';
    return;
  }
  for (const layer of convs) {
    const section = document.createElement('section');
    section.className = 'fmap-layer';
    section.dataset.layer = layer.name;
    const heading = document.createElement('h5');
    const [, c, h, w] = layer.output_shape;
    heading.textContent = `${layer.name} (${layer.type}) — ${c} maps of ${h}×${w}`;
    section.appendChild(heading);
    container.appendChild(section);
    const values = c * h * w;
    const t = tensors.get(layer.name);
    if (now.has(layer.name)) {
      drawMaps(section, t.shape, t.data);
    } else {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = `Load ${layer.name}'s ${fmt(values)} values`;
      button.addEventListener('click', async () => {
        button.disabled = true;
        const mine = generation;
        try {
          const more = await fetchMaps(input, [layer]);
          if (mine === generation) {
            const m = more.get(layer.name);
            drawMaps(section, m.shape, m.data);
            button.remove();
          }
        } catch (e) {
          showError($('#try-error'), `Could not load ${layer.name}'s feature maps: ${e.message}`);
          button.disabled = false;
        }
      });
      section.appendChild(button);
    }
  }
}

/** The outputs of `layers` for the preprocessed input, as binary tensors: name -> {shape, data}. */
async function fetchMaps(input, layers) {
  const request = {
    inputs: input.inputs,
    outputs: layers.map((l) => ({name: l.name, parameters: {binary_data: true}})),
  };
  const path = modelPath('/infer');
  let response;
  try {
    response = await fetch(path, {
      method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(request),
    });
  } catch (e) {
    throw new Error(`${path}: no answer from the service (${e.message})`);
  }
  const tensors = await readInferResponse(response, path);
  for (const layer of layers) {
    const t = tensors.get(layer.name);
    if (!t) {
      throw new Error(`/infer answered no output named '${layer.name}' (outputs: ${[...tensors.keys()].join(', ') || 'none'})`);
    }
    const [n, c, h, w] = t.shape || [];
    if (t.shape.length !== 4 || t.data.length < n * c * h * w) {
      throw new Error(`/infer's output '${layer.name}' has shape ${shapeText(t.shape)} and ${t.data.length} values; `
        + 'expected [N, C, H, W] and N·C·H·W values');
    }
  }
  return tensors;
}

/**
 * Reads a v2 infer response, JSON or binary (`Inference-Header-Content-Length`), into name -> {shape, data}.
 * A failed response becomes an Error with the API's `error` text (or its status), whatever its body.
 */
async function readInferResponse(response, path) {
  if (!response.ok) {
    throw await responseError(response, path);
  }
  const buffer = await response.arrayBuffer();
  const headerLength = response.headers.get('Inference-Header-Content-Length');
  const jsonEnd = headerLength === null ? buffer.byteLength : Number(headerLength);
  if (!(jsonEnd >= 0 && jsonEnd <= buffer.byteLength)) {
    throw new Error(`${path}: Inference-Header-Content-Length ${headerLength} does not fit a ${buffer.byteLength}-byte body`);
  }
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(buffer.slice(0, jsonEnd)));
  } catch (e) {
    throw new Error(`${path}: the answer's header is not valid JSON (${e.message})`);
  }
  const tensors = new Map();
  let offset = jsonEnd;
  for (const out of header.outputs || []) {
    let data;
    const size = out.parameters && out.parameters.binary_data_size;
    if (size !== undefined) {
      if (offset + size > buffer.byteLength || size % 4 !== 0) {
        throw new Error(`${path}: output '${out.name}' claims ${size} bytes, the body has ${buffer.byteLength - offset} left`);
      }
      data = new Float32Array(buffer.slice(offset, offset + size));
      offset += size;
    } else {
      data = Float32Array.from(out.data || []);
    }
    tensors.set(out.name, {shape: out.shape, data});
  }
  return tensors;
}

function drawMaps(section, shape, data) {
  const [, c, h, w] = shape;
  const grid = document.createElement('div');
  grid.className = 'fmap-grid';
  const shown = Math.min(c, MAX_CHANNELS);
  for (let ch = 0; ch < shown; ch++) {
    const base = ch * h * w;
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < h * w; i++) {
      const v = data[base + i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${section.dataset.layer} channel ${ch}: values ${min.toPrecision(3)} to ${max.toPrecision(3)}`);
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(w, h);
    const range = max - min || 1;
    for (let i = 0; i < h * w; i++) {
      const g = Math.round(255 * (data[base + i] - min) / range);
      img.data[4 * i] = g;
      img.data[4 * i + 1] = g;
      img.data[4 * i + 2] = g;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    grid.appendChild(canvas);
  }
  section.appendChild(grid);
  if (shown < c) {
    const note = document.createElement('p');
    note.className = 'hint';
    note.textContent = `Showing ${shown} of ${c} channels.`;
    section.appendChild(note);
  }
}

// ---------------------------------------------------------------- routing

async function route() {
  const match = location.hash.match(/^#\/models\/(.+)$/);
  const design = location.hash.match(/^#\/design(?:\?(.*))?$/);
  status('');
  try {
    if (state.models.length === 0 || !match) {
      await loadModels();
    }
    $('#models-view').hidden = !!match || !!design;
    $('#model-view').hidden = !match;
    $('#design-view').hidden = !design;
    if (match) {
      await showModel(decodeURIComponent(match[1]));
    } else if (design) {
      document.title = 'convserve — design';
      await showDesign(new URLSearchParams(design[1] || ''), state.models);
    }
    document.body.dataset.ready = location.hash || '#/';
  } catch (e) {
    status('Error: ' + e.message, true);
    document.body.dataset.ready = location.hash || '#/';
  }
}

$('#shape-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const shape = $('#input-shape').value.split(',').map((s) => Number(s.trim()));
  await loadLayers(shape, Number($('#batch-size').value));
});
$('#metrics-refresh').addEventListener('click', () => loadMetrics()
  .then(() => status(''))
  .catch((e) => status(`Could not refresh the metrics (/stats: ${e.message}).`, true)));
window.addEventListener('hashchange', () => {
  delete document.body.dataset.ready;
  route();
});
route();
