// The design view: build a network layer by layer; every change recomputes through POST /v2/summary. The layer
// types, their fields and defaults come from GET /v2/summary/layer-types (the engine's own), a loaded model's
// architecture from its /layers. The design lives in the URL (#/design?d=...), so a link reproduces it.

import {$, api, cell, fmt, shapeText, status} from './common.js';
import {drawDiagram, legendText} from './design-diagram.js';
import {kerasSnippet, modelJson, pytorchSnippet} from './design-export.js';

/** {input: [C, H, W], batch, layers: [model.json layer objects], from: model name or null}. */
const design = {input: [1, 28, 28], batch: 1, layers: [], from: null};
/** The loaded model's rows by layer name (at its declared input), to mark what the design changed. */
let base = null;
let catalog = null;
let selected = -1;
let computed = {rows: [], totals: null, error: null};
let generation = 0;
let timer = null;
let wired = false;

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
/** [5, 5] -> 5: model.json takes an int for a square window or a symmetric padding. */
const compact = (v) => (Array.isArray(v) && v.length === 2 && v[0] === v[1] ? v[0] : v);

function typeOf(type) {
  return catalog.find((t) => t.type === type);
}

/** A layer's object without the fields that hold their defaults (so exports and links stay short). */
function withoutDefaults(type, name, config) {
  const t = typeOf(type);
  const layer = {type, name};
  for (const field of t ? t.fields : []) {
    const value = config[field.name];
    if (value === undefined) continue;
    const isDefault = !field.required && (field.same_as ? same(value, config[field.same_as])
      : same(value, t.defaults[field.name]));
    if (!isDefault) layer[field.name] = compact(value);
  }
  return layer;
}

function uniqueName(type) {
  const names = new Set(design.layers.map((l) => l.name));
  for (let i = 1; ; i++) {
    const name = `${type}_${i}`;
    if (!names.has(name)) return name;
  }
}

// ---------------------------------------------------------------- URL

function encode(value) {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = '';
  bytes.forEach((b) => { binary += String.fromCharCode(b); });
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decode(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

function designLink() {
  return `#/design?d=${encode({from: design.from, input: design.input, batch: design.batch, layers: design.layers})}`;
}

function writeUrl() {
  // replaceState: no hashchange, so the view is not rebuilt while typing
  history.replaceState(null, '', designLink());
}

// ---------------------------------------------------------------- entry

/** Opens the view for the hash's parameters: d (a design), from (a loaded model to start from), or neither. */
export async function showDesign(params, models) {
  if (!catalog) {
    catalog = (await api('/v2/summary/layer-types')).layer_types;
  }
  if (!wired) {
    wire(models);
    wired = true;
  }
  const select = $('#design-from');
  select.replaceChildren(new Option('Empty', ''), ...models.map((m) => new Option(m.name, m.name)));
  if (params.get('d')) {
    let loaded;
    try {
      loaded = decode(params.get('d'));
    } catch (e) {
      throw new Error(`the link's design cannot be read (${e.message}); start from a model or from empty`);
    }
    await setDesign(loaded.input, loaded.batch || 1, loaded.layers || [], loaded.from || null);
  } else {
    await startFrom(params.get('from') || '', models);
  }
}

async function startFrom(name, models) {
  $('#design-from').value = name;
  if (!name) {
    await setDesign([1, 28, 28], 1, [], null);
    return;
  }
  const m = models.find((x) => x.name === name);
  if (!m) {
    throw new Error(`no model named '${name}' is loaded`);
  }
  const summary = await api(`/v2/models/${encodeURIComponent(name)}/layers`);
  const layers = summary.layers.map((l) => withoutDefaults(l.type, l.name, l.config));
  await setDesign(summary.input_shape.slice(1), 1, layers, name);
}

async function setDesign(input, batch, layers, from) {
  design.input = input.map(Number);
  design.batch = Number(batch);
  design.layers = layers.map((l) => ({...l}));
  design.from = from;
  base = null;
  if (from) {
    try {
      const summary = await api(`/v2/models/${encodeURIComponent(from)}/layers`);
      base = new Map(summary.layers.map((l) => [l.name, l]));
    } catch (e) {
      status(`Could not load ${from}'s layers to compare with (${e.message}).`, true);
    }
  }
  $('#design-base').textContent = from ? `Compared with the loaded model ${from} at its declared input.` : '';
  selected = -1;
  const [c, h, w] = design.input;
  $('#design-c').value = c;
  $('#design-h').value = h ?? '';
  $('#design-w').value = w ?? '';
  $('#design-batch').value = design.batch;
  renderEditor();
  await recompute();
}

// ---------------------------------------------------------------- recompute

function schedule() {
  clearTimeout(timer);
  $('#design-view').dataset.busy = 'true';
  timer = setTimeout(recompute, 120);
}

async function recompute() {
  clearTimeout(timer);
  const mine = ++generation;
  $('#design-view').dataset.busy = 'true';
  writeUrl();
  let result;
  if (design.layers.length === 0) {
    result = {rows: [], totals: null, error: null};
  } else {
    const body = {architecture: {input: {shape: design.input}, layers: design.layers}, batch_size: design.batch};
    try {
      const summary = await api('/v2/summary', {
        method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body),
      });
      result = {rows: summary.layers, totals: summary.totals, error: null};
    } catch (e) {
      const where = e.body && Number.isInteger(e.body.layer_index) ? e.body.layer_index : null;
      result = {rows: (e.body && e.body.layers) || [], totals: null, error: {message: e.message, index: where}};
    }
  }
  if (mine !== generation) {
    return;
  }
  computed = result;
  render();
  delete $('#design-view').dataset.busy;
}

// ---------------------------------------------------------------- table

function settingsText(layer) {
  return Object.entries(layer).filter(([k]) => k !== 'type' && k !== 'name')
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('×') : v}`).join(', ');
}

/** A number cell, marked when the loaded model had another value for this layer. */
function compared(tr, text, was, className) {
  const td = cell(tr, text, className);
  if (was !== undefined && was !== text) {
    td.classList.add('changed');
    td.dataset.was = was;
    const note = document.createElement('span');
    note.className = 'was';
    note.textContent = ` (was ${was})`;
    td.appendChild(note);
  }
  return td;
}

function button(text, label, onClick, disabled = false) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary small';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.disabled = disabled;
  b.addEventListener('click', onClick);
  return b;
}

function render() {
  const {rows, totals, error} = computed;
  const tbody = $('#design-table tbody');
  tbody.replaceChildren();
  const broken = error ? (error.index ?? -1) : null;
  design.layers.forEach((layer, i) => {
    const row = rows[i];
    const tr = document.createElement('tr');
    tr.dataset.layer = layer.name;
    tr.dataset.state = row ? 'ok' : broken === i ? 'broken' : 'unknown';
    if (i === selected) tr.classList.add('selected');
    cell(tr, String(i), 'num');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = layer.name;
    tr.appendChild(th);
    cell(tr, layer.type);
    cell(tr, settingsText(layer), 'settings');
    const was = base && base.get(layer.name);
    if (row) {
      cell(tr, shapeText(row.input_shape), 'shape');
      compared(tr, shapeText(row.output_shape), was && design.batch === 1 ? shapeText(was.output_shape) : undefined, 'shape');
      compared(tr, fmt(row.parameters), was ? fmt(was.parameters) : undefined, 'num');
      cell(tr, fmt(row.macs), 'num');
    } else {
      const td = cell(tr, broken === i ? 'fails here (see below)' : 'not computable', 'not-computable');
      td.colSpan = 4;
    }
    const actions = cell(tr, '', 'actions');
    actions.append(
      button('Edit', `Edit ${layer.name}`, () => { selected = i; render(); renderEditor(true); }),
      button('↑', `Move ${layer.name} up`, () => move(i, -1), i === 0),
      button('↓', `Move ${layer.name} down`, () => move(i, 1), i === design.layers.length - 1),
      button('✕', `Remove ${layer.name}`, () => remove(i)));
    tbody.appendChild(tr);
    if (broken === i) {
      const errorRow = document.createElement('tr');
      errorRow.className = 'error-row';
      const td = cell(errorRow, '', '');
      td.colSpan = 9;
      const message = document.createElement('div');
      message.className = 'error';
      message.id = 'design-layer-error';
      message.setAttribute('role', 'alert');
      message.textContent = error.message;
      td.appendChild(message);
      tbody.appendChild(errorRow);
    }
  });
  if (design.layers.length === 0) {
    const tr = document.createElement('tr');
    const td = cell(tr, 'No layers yet: add one below.', 'hint');
    td.colSpan = 9;
    tbody.appendChild(tr);
  }
  // an error outside any one layer (e.g. two layers with one name) is shown above the table
  const general = $('#design-error');
  general.textContent = error && broken === -1 ? error.message : '';
  general.hidden = !(error && broken === -1);
  renderTotals(rows, totals);
  // for screen readers: the outcome of each recompute, once (the failing layer's message is an alert already)
  $('#design-live').textContent = totals
    ? `${design.layers.length} layers: ${fmt(totals.parameters)} parameters, ${fmt(totals.macs)} MACs, output ${shapeText(rows.at(-1).output_shape)}.`
    : error ? `Not computable from ${broken >= 0 ? design.layers[broken].name : 'the start'}.` : 'No layers.';
  renderDiagram();
  renderExports();
}

function renderTotals(rows, totals) {
  const foot = $('#design-table tfoot');
  foot.replaceChildren();
  const tr = document.createElement('tr');
  tr.id = 'design-totals';
  cell(tr, '');
  cell(tr, 'Total');
  cell(tr, '');
  cell(tr, '');
  if (totals) {
    cell(tr, shapeText([design.batch, ...design.input]), 'shape');
    cell(tr, shapeText(rows.at(-1).output_shape), 'shape');
    const baseTotal = base ? fmt([...base.values()].reduce((a, l) => a + l.parameters, 0)) : undefined;
    compared(tr, fmt(totals.parameters), baseTotal, 'num');
    cell(tr, fmt(totals.macs), 'num');
  } else {
    const td = cell(tr, design.layers.length ? 'not computable' : '—', 'not-computable');
    td.colSpan = 4;
  }
  cell(tr, '');
  foot.appendChild(tr);
}

function renderDiagram() {
  const {rows, error} = computed;
  const columns = design.layers.map((l, i) => ({name: l.name, type: l.type, row: rows[i] || null,
    state: rows[i] ? 'ok' : error && error.index === i ? 'broken' : 'unknown'}));
  const {scale} = drawDiagram($('#design-diagram'), design.input, columns);
  $('#design-legend').textContent = legendText(scale);
}

function renderExports() {
  const {rows, error} = computed;
  const ok = !error && rows.length === design.layers.length && rows.length > 0;
  const json = JSON.stringify(modelJson(design), null, 2);
  $('#export-json').value = json;
  const link = $('#design-download');
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([json + '\n'], {type: 'application/json'}));
  const title = design.from ? `${design.from} as designed` : 'A designed network';
  for (const [id, make] of [['#export-pytorch', pytorchSnippet], ['#export-keras', kerasSnippet]]) {
    const area = $(id);
    if (!ok) {
      area.value = '# The design does not compute yet: fix the marked layer first.';
      area.dataset.modules = '{}';
      continue;
    }
    try {
      const {code, modules} = make(design, rows, title);
      area.value = code;
      area.dataset.modules = JSON.stringify(modules);
    } catch (e) {
      area.value = `# ${e.message}`;
      area.dataset.modules = '{}';
    }
  }
  $('#design-link').href = designLink();
}

// ---------------------------------------------------------------- editing

function move(i, step) {
  const j = i + step;
  [design.layers[i], design.layers[j]] = [design.layers[j], design.layers[i]];
  selected = j;
  renderEditor();
  const label = `Move ${design.layers[j].name} ${step < 0 ? 'up' : 'down'}`;
  recompute().then(() => {
    const again = [...document.querySelectorAll('#design-table button')].find((b) => b.getAttribute('aria-label') === label);
    if (again && !again.disabled) again.focus();
  });
}

function remove(i) {
  const [gone] = design.layers.splice(i, 1);
  selected = selected === i ? -1 : selected > i ? selected - 1 : selected;
  renderEditor();
  status(`Removed ${gone.name}.`);
  recompute().then(() => $('#design-add-type').focus());
}

function addLayer(type) {
  const t = typeOf(type);
  const layer = {type, name: uniqueName(type)};
  for (const f of t.fields) {
    if (f.required) layer[f.name] = compact(t.defaults[f.name]);
  }
  const at = selected >= 0 ? selected + 1 : design.layers.length;
  design.layers.splice(at, 0, layer);
  selected = at;
  renderEditor(true);
  recompute();
}

/** Text of a field as typed: "5" -> 5, "5,3" or "5x3" -> [5, 3], "same" -> "same"; empty: the default. */
function parseField(text) {
  const t = text.trim().replace(/^\[|\]$/g, '');
  if (t === '') return undefined;
  if (/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(t)) return Number(t);
  if (/^-?\d+(\s*[,x×]\s*-?\d+)+$/i.test(t)) return t.split(/\s*[,x×]\s*/i).map(Number);
  return t === 'true' ? true : t === 'false' ? false : t;
}

const show = (v) => (Array.isArray(v) ? v.join(',') : String(v));

/** The form of the selected layer: its name and every field of its type, each with its default shown. */
function renderEditor(focus = false) {
  const form = $('#design-editor');
  const layer = design.layers[selected];
  form.hidden = !layer;
  const fields = $('#design-fields');
  fields.replaceChildren();
  if (!layer) return;
  const t = typeOf(layer.type);
  $('#design-editor-legend').textContent = `Layer ${selected}: ${layer.name} (${layer.type})`;
  const rows = [['name', {name: 'name', required: true}]].concat(t.fields.map((f) => [f.name, f]));
  for (const [name, field] of rows) {
    const id = `field-${name}`;
    const wrap = document.createElement('div');
    wrap.className = 'field';
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = name;
    const hint = document.createElement('span');
    hint.className = 'hint';
    hint.id = `${id}-hint`;
    const def = t.defaults[name];
    hint.textContent = name === 'name' ? 'unique in the design'
      : field.required ? 'required' : field.same_as ? `default: same as ${field.same_as}` : `default: ${show(def)}`;
    let input;
    if (field.options) {
      input = document.createElement('select');
      field.options.forEach((o) => input.append(new Option(o, o)));
      input.value = layer[name] ?? def;
    } else if (typeof def === 'boolean') {
      input = document.createElement('select');
      input.append(new Option('true', 'true'), new Option('false', 'false'));
      input.value = String(layer[name] ?? def);
    } else {
      input = document.createElement('input');
      input.autocomplete = 'off';
      input.value = layer[name] === undefined ? '' : show(layer[name]);
      if (!field.required && name !== 'name') input.placeholder = field.same_as ? `= ${field.same_as}` : show(def);
    }
    input.id = id;
    input.name = name;
    input.setAttribute('aria-describedby', hint.id);
    input.addEventListener(input.tagName === 'SELECT' ? 'change' : 'input', () => {
      const layerNow = design.layers[selected];
      if (name === 'name') {
        layerNow.name = input.value.trim() || layerNow.name;
        $('#design-editor-legend').textContent = `Layer ${selected}: ${layerNow.name} (${layerNow.type})`;
      } else {
        const value = parseField(input.value);
        const isDefault = !field.required && input.tagName === 'SELECT' && same(value, def);
        if (value === undefined || isDefault) delete layerNow[name];
        else layerNow[name] = value;
      }
      schedule();
    });
    wrap.append(label, input, hint);
    fields.appendChild(wrap);
  }
  if (focus) fields.querySelector(t.fields.length ? ':scope > div:nth-child(2) :is(input, select)' : 'input').focus();
}

// ---------------------------------------------------------------- wiring

function wire(models) {
  const typeSelect = $('#design-add-type');
  typeSelect.replaceChildren(...catalog.map((t) => new Option(t.type, t.type)));
  $('#design-start').addEventListener('submit', (e) => {
    e.preventDefault();
    startFrom($('#design-from').value, models).catch((err) => status(err.message, true));
  });
  for (const id of ['#design-c', '#design-h', '#design-w', '#design-batch']) {
    $(id).addEventListener('input', () => {
      const dims = ['#design-c', '#design-h', '#design-w'].map((d) => Number($(d).value));
      const batch = Number($('#design-batch').value);
      const valid = dims.every((d) => Number.isInteger(d) && d >= 1) && Number.isInteger(batch) && batch >= 1;
      // the last valid input stays computed meanwhile; the message says what is expected
      status(valid ? '' : 'Channels, height, width and batch must be positive integers.', !valid);
      if (valid) {
        design.input = dims;
        design.batch = batch;
        schedule();
      }
    });
  }
  $('#design-input').addEventListener('submit', (e) => { e.preventDefault(); recompute(); });
  $('#design-add').addEventListener('submit', (e) => {
    e.preventDefault();
    addLayer(typeSelect.value);
  });
  $('#design-editor').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = design.layers[selected] && design.layers[selected].name;
    selected = -1;
    renderEditor();
    render();
    const edit = [...document.querySelectorAll('#design-table button')].find((b) => b.getAttribute('aria-label') === `Edit ${name}`);
    if (edit) edit.focus();
  });
  $('#design-import').addEventListener('submit', (e) => {
    e.preventDefault();
    importPasted($('#import-json').value).catch((err) => showImportError(err));
  });
}

function showImportError(error) {
  const box = $('#import-error');
  box.textContent = error ? error.message : '';
  box.hidden = !error;
}

/** A pasted model.json (or its architecture part): its input shape and layers become the design. */
async function importPasted(text) {
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`the pasted text is not JSON (${e.message}); paste a model.json`);
  }
  const shape = json && json.input && json.input.shape;
  if (!Array.isArray(shape) || !Array.isArray(json.layers)) {
    throw new Error('a model.json needs "input": {"shape": [C, H, W]} and "layers": [...]; the pasted JSON has '
      + (Array.isArray(shape) ? 'no "layers" list' : 'no input.shape'));
  }
  showImportError(null);
  await setDesign(shape, 1, json.layers, null);
  status(`Imported ${json.layers.length} layers${json.name ? ` of ${json.name}` : ''}.`);
}

