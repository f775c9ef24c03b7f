// The design view, step by step (run by ui.e2e.mjs): LeNet-5 built from empty through the forms, AlexNet at
// 227, 224 and 63, the diagram's sizes, model.json loaded into the service, the link, paste-import of every layer
// type, and each design's PyTorch and Keras exports written as cases for tools/design/check_snippets.py.
import fs from 'node:fs';
import path from 'node:path';

const fmt = (n) => Number(n).toLocaleString('en-US');
const shapeText = (s) => '[' + s.join(', ') + ']';

/** A design that uses every layer type, with "same" padding at stride 2, ceil mode and asymmetric padding. */
export const EVERY_TYPE = {
  format_version: 1,
  name: 'every_type',
  input: {name: 'input', shape: [3, 37, 41], datatype: 'FP32', layout: 'NCHW'},
  layers: [
    {type: 'zero_pad2d', name: 'pad0', padding: [1, 2, 0, 3]},
    {type: 'conv2d', name: 'conv_same', filters: 8, kernel: [3, 5], stride: 2, padding: 'same', activation: 'leaky_relu'},
    {type: 'batch_norm', name: 'bn1'},
    {type: 'relu', name: 'relu1'},
    {type: 'depthwise_conv2d', name: 'dw', kernel: 3, depth_multiplier: 2, padding: 1, activation: 'relu'},
    {type: 'local_response_norm', name: 'lrn', size: 5},
    {type: 'max_pool2d', name: 'pool_ceil', pool: 3, stride: 2, ceil_mode: true},
    {type: 'conv2d', name: 'conv_groups', filters: 16, kernel: 1, groups: 4, bias: false},
    {type: 'avg_pool2d', name: 'avg', pool: 2, stride: 1, padding: 1},
    {type: 'adaptive_avg_pool2d', name: 'adapt', output_size: [4, 4]},
    {type: 'leaky_relu', name: 'leaky', alpha: 0.2},
    {type: 'global_max_pool2d', name: 'gmp'},
    {type: 'dense', name: 'fc', units: 12, activation: 'tanh'},
    {type: 'batch_norm', name: 'bn2', epsilon: 0.001},
    {type: 'dropout', name: 'drop', rate: 0.3},
    {type: 'sigmoid', name: 'sig'},
    {type: 'tanh', name: 'th'},
    {type: 'dense', name: 'out', units: 5},
    {type: 'softmax', name: 'prob'},
  ],
};

/** With EVERY_TYPE and LeNet-5's flatten: the last layer type, global average pooling, on a 1x1 map. */
export const GLOBAL_AVG = {
  input: {shape: [2, 9, 9]},
  layers: [
    {type: 'conv2d', name: 'conv', filters: 4, kernel: 9, dilation: 1},
    {type: 'global_avg_pool2d', name: 'gap'},
    {type: 'dense', name: 'fc', units: 3, bias: false},
  ],
};

export async function designSteps({page, base, shots, exportsDir, repository, check, expectHttpErrors}) {
  fs.mkdirSync(exportsDir, {recursive: true});
  const idle = () => page.waitForFunction(() => !document.querySelector('#design-view').dataset.busy, null, {timeout: 30000});
  const shot = (name) => page.screenshot({path: path.join(shots, name), fullPage: true});
  const summarize = async (architecture, batch = 1) => {
    const r = await fetch(base + '/v2/summary', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({architecture, batch_size: batch})});
    return {status: r.status, body: await r.json()};
  };
  const designJson = async () => JSON.parse(await page.inputValue('#export-json'));
  const rows = () => page.$$eval('#design-table tbody tr[data-layer]', (trs) => trs.map((tr) => ({
    name: tr.dataset.layer, state: tr.dataset.state,
    cells: [...tr.children].slice(0, 8).map((c) => (c.firstChild ? c.firstChild.textContent : '').trim()),
  })));
  /** The table's rows equal a summary's: name, type, input and output shape, parameters, MACs. */
  const expectRows = async (summary, what) => {
    const shown = await rows();
    check(shown.length === summary.layers.length, `${what}: ${shown.length} rows, the summary has ${summary.layers.length}`);
    summary.layers.forEach((l, i) => {
      const c = shown[i].cells;
      const expected = [String(i), l.name, l.type, c[3], shapeText(l.input_shape), shapeText(l.output_shape),
        fmt(l.parameters), fmt(l.macs)];
      if (JSON.stringify(c) !== JSON.stringify(expected)) {
        throw new Error(`${what}: row ${i} is ${JSON.stringify(c)}, the summary says ${JSON.stringify(expected)}`);
      }
    });
    const totals = await page.$$eval('#design-totals td', (cells) => cells.map((c) => (c.firstChild ? c.firstChild.textContent : '').trim()));
    check(totals[6] === fmt(summary.totals.parameters) && totals[7] === fmt(summary.totals.macs),
      `${what}: every row and the totals (${totals[6]} parameters, ${totals[7]} MACs) equal the service's`);
  };
  /** Diagram: every feature map's box is H and W on one scale; vectors grow with their size. */
  const expectDiagram = async (what) => {
    const blocks = await page.$$eval('#design-diagram svg g', (gs) => gs.map((g) => {
      const front = g.querySelector('rect.front'), vector = g.querySelector('rect.vector');
      return {name: g.dataset.layer, state: g.dataset.state,
        height: Number((front || vector || {dataset: {}}).dataset.height), depth: front ? Number(front.dataset.depth) : null,
        features: vector ? Number(vector.dataset.features) : null};
    }));
    const scale = Number(await page.getAttribute('#design-diagram svg', 'data-scale'));
    const design = await designJson();
    const summary = (await summarize({input: design.input, layers: design.layers})).body;
    const shapes = [[1, ...design.input.shape], ...summary.layers.map((l) => l.output_shape)];
    check(blocks.length === shapes.length, `${what}: the diagram has a block for the input and each of ${summary.layers.length} layers`);
    const off = [];
    blocks.forEach((b, i) => {
      const s = shapes[i].slice(1);
      if (s.length === 3) {
        if (Math.abs(b.height - s[1] * scale) > 0.01 || Math.abs(b.depth - s[2] * scale) > 0.01) off.push(`${b.name} ${b.height}/${b.depth} for ${s}`);
      } else if (b.features !== s[0]) {
        off.push(`${b.name}: bar for ${b.features} features, shape ${s}`);
      }
    });
    const vectors = blocks.filter((b) => b.features !== null);
    const ordered = vectors.every((a) => vectors.every((b) => a.features <= b.features || a.height >= b.height));
    check(off.length === 0 && ordered, `${what}: each box's height and depth are the map's H and W at ${scale.toFixed(3)} px`
      + ` (${blocks.filter((b) => b.depth !== null).map((b) => Math.round(b.height / scale)).join(' -> ')}), vectors grow with size`
      + (off.length ? `; off: ${off.join('; ')}` : ''));
    return blocks;
  };
  /** What check_snippets.py needs for this design. */
  const exportCase = async (name) => {
    const design = await designJson();
    const batch = Number(await page.inputValue('#design-batch'));
    const summary = (await summarize({input: design.input, layers: design.layers}, batch)).body;
    const snippet = async (id) => ({code: await page.inputValue(id),
      modules: JSON.parse(await page.getAttribute(id, 'data-modules'))});
    const c = {name, input_shape: design.input.shape, batch,
      layers: summary.layers.map((l) => ({name: l.name, type: l.type, output_shape: l.output_shape, parameters: l.parameters})),
      parameters: summary.totals.parameters, pytorch: await snippet('#export-pytorch'), keras: await snippet('#export-keras')};
    check(c.pytorch.code.includes('nn.Sequential') && c.keras.code.includes('keras.Sequential'),
      `${name}: PyTorch and Keras snippets exported (${c.pytorch.code.split('\n').length} and ${c.keras.code.split('\n').length} lines)`);
    fs.writeFileSync(path.join(exportsDir, `${name}.json`), JSON.stringify(c, null, 1));
  };
  const setField = async (name, value) => {
    const selector = `#field-${name}`;
    if (await page.$eval(selector, (e) => e.tagName === 'SELECT')) await page.selectOption(selector, String(value));
    else await page.fill(selector, String(value));
  };
  const addLayer = async (type, fields = {}) => {
    await page.selectOption('#design-add-type', type);
    await page.click('#design-add button[type=submit]');
    await page.waitForSelector('#design-editor:not([hidden])');
    for (const [k, v] of Object.entries(fields)) await setField(k, v);
    await idle();
  };

  // 11. LeNet-5 from empty, through the forms
  await page.goto(base + '/ui/#/design');
  await page.waitForSelector('body[data-ready^="#/design"]');
  await idle();
  check((await rows()).length === 0 && /No layers yet/.test(await page.textContent('#design-table tbody')),
    'the design view starts empty');
  const types = await page.$$eval('#design-add-type option', (os) => os.map((o) => o.value));
  const served = (await (await fetch(base + '/v2/summary/layer-types')).json()).layer_types.map((t) => t.type);
  check(JSON.stringify(types) === JSON.stringify(served) && types.length >= 18,
    `the form offers every layer type the engine has (${types.length})`);
  await page.selectOption('#design-add-type', 'conv2d');
  await page.click('#design-add button[type=submit]');
  await page.waitForSelector('#design-editor:not([hidden])');
  const hints = await page.$$eval('#design-fields .field', (fs) => fs.map((f) => `${f.querySelector('label').textContent}: ${f.querySelector('.hint').textContent}`));
  check(hints.includes('stride: default: 1,1') && hints.includes('filters: required') && hints.includes('activation: default: none'),
    `the conv2d form shows each field's default (${hints.join('; ')})`);
  // typed with the keyboard: the form's fields in order
  await page.focus('#field-filters');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('6');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.id) === 'field-kernel', 'Tab moves from filters to kernel');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('5');
  await setField('padding', 2);
  await setField('activation', 'relu');
  await setField('name', 'conv1');
  await idle();
  await addLayer('max_pool2d', {name: 'pool1'});
  await addLayer('conv2d', {name: 'conv2', filters: 16, kernel: 5, activation: 'relu'});
  await addLayer('max_pool2d', {name: 'pool2'});
  await addLayer('flatten', {name: 'flatten'});
  await addLayer('dense', {name: 'fc1', units: 120, activation: 'relu'});
  await addLayer('dense', {name: 'fc2', units: 84, activation: 'relu'});
  await addLayer('dense', {name: 'fc3', units: 10, activation: 'softmax'});
  await page.click('#design-editor button[type=submit]');
  await idle();
  const lenet = await (await fetch(base + '/v2/models/lenet5/layers')).json();
  await expectRows(lenet, 'LeNet-5 built in the form equals the served lenet5');
  const flatten = (await rows()).find((r) => r.name === 'flatten');
  const total = await page.$eval('#design-totals td:nth-child(7)', (c) => c.textContent.trim());
  check(total === '61,706' && flatten.cells[4] === '[1, 16, 5, 5]' && flatten.cells[5] === '[1, 400]',
    `LeNet-5 from empty: ${total} parameters, flatten ${flatten.cells[4]} -> ${flatten.cells[5]}`);
  const live = await page.textContent('#design-live');
  check(live === '8 layers: 61,706 parameters, 416,520 MACs, output [1, 10].', `screen readers hear "${live}"`);
  await expectDiagram('LeNet-5');
  await exportCase('lenet5-built');
  await shot('08-design-lenet5-built.png');

  // 12. AlexNet from the loaded model, then 224x224
  await page.selectOption('#design-from', 'alexnet');
  await page.click('#design-start button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#design-table tbody tr[data-layer]').length === 16);
  await idle();
  await expectRows(await (await fetch(base + '/v2/models/alexnet/layers')).json(), 'AlexNet started from the loaded model');
  const alexBlocks = await expectDiagram('AlexNet at 227');
  const scale = Number(await page.getAttribute('#design-diagram svg', 'data-scale'));
  const sides = alexBlocks.filter((b) => b.depth !== null).map((b) => Math.round(b.height / scale))
    .filter((h, i, all) => i === 0 || h !== all[i - 1]);
  const flatAt = alexBlocks.findIndex((b) => b.features !== null);
  check(JSON.stringify(sides) === '[227,55,27,13,6]' && alexBlocks[flatAt].name === 'flatten'
    && alexBlocks[flatAt].height > alexBlocks[flatAt - 1].height,
    `AlexNet's boxes run ${sides.join(' -> ')}, then flatten becomes a bar of ${alexBlocks[flatAt].features} features`);
  await shot('09-design-alexnet-227.png');
  await page.fill('#design-h', '224');
  await page.fill('#design-w', '224');
  await page.waitForFunction(() => document.querySelector('#design-table tr[data-layer="flatten"] td:nth-child(6)')?.textContent.startsWith('[1, 6400]'));
  await idle();
  const alex224 = await summarize({input: {shape: [3, 224, 224]}, layers: (await designJson()).layers});
  await expectRows(alex224.body, 'AlexNet at 224x224');
  const fc6 = await page.$eval('#design-table tr[data-layer="fc6"] td:nth-child(7)', (c) => ({
    now: c.firstChild.textContent, was: c.dataset.was, changed: c.classList.contains('changed'), text: c.textContent}));
  check(fc6.now === '26,218,496' && fc6.was === '37,752,832' && fc6.changed,
    `AlexNet at 224: flatten gives 6,400 and fc6 shows "${fc6.text}" (marked as changed against the loaded model)`);
  await expectDiagram('AlexNet at 224');
  await exportCase('alexnet-224');
  await shot('10-design-alexnet-224.png');

  // 13. the link holds the design: a new page opened on it shows the same table
  const link = page.url();
  const other = await page.context().browser().newPage({viewport: {width: 1300, height: 1000}});
  await other.goto(link);
  await other.waitForSelector('body[data-ready]');
  await other.waitForFunction(() => document.querySelectorAll('#design-table tbody tr[data-layer]').length === 16
    && !document.querySelector('#design-view').dataset.busy);
  const again = await other.$$eval('#design-table tbody tr[data-layer]', (trs) => trs.map((tr) => tr.textContent));
  const here = await page.$$eval('#design-table tbody tr[data-layer]', (trs) => trs.map((tr) => tr.textContent));
  check(JSON.stringify(again) === JSON.stringify(here) && link.includes('#/design?d='),
    `the page's link (${link.length} characters) reproduces the design in a new page`);
  await other.close();

  // 14. 63x63: pool5 fails with the rule and its values; the layers after it are not computable
  expectHttpErrors(true);
  await page.fill('#design-h', '63');
  await page.fill('#design-w', '63');
  await page.waitForSelector('#design-layer-error');
  await idle();
  const message = await page.textContent('#design-layer-error');
  const expected = await summarize({input: {shape: [3, 63, 63]}, layers: (await designJson()).layers});
  check(expected.status === 422 && message === expected.body.error && /pool5/.test(message) && /would be 0/.test(message)
    && /input=\[256, 2, 2\]/.test(message) && /pool=\[3, 3\]/.test(message) && /stride=\[2, 2\]/.test(message),
    `63x63: the message under pool5 is the engine's: "${message}"`);
  const states = await rows();
  const at = states.findIndex((r) => r.name === 'pool5');
  check(states[at].state === 'broken' && states.slice(0, at).every((r) => r.state === 'ok')
    && states.slice(at + 1).every((r) => r.state === 'unknown' && /not computable/.test(r.cells[4])),
    `63x63: ${at} layers computed, pool5 marked, the ${states.length - at - 1} after it shown as not computable`);
  check(states[at - 1].cells[5] === '[1, 256, 2, 2]', `63x63: conv5 still shows its output ${states[at - 1].cells[5]}`);
  const diagramStates = await page.$$eval('#design-diagram svg g', (gs) => gs.map((g) => g.dataset.state));
  check(diagramStates[at + 1] === 'broken' && diagramStates.slice(at + 2).every((s) => s === 'unknown'),
    'the diagram marks pool5 and draws the later layers as not computable');
  check(/does not compute/.test(await page.inputValue('#export-pytorch')), 'no snippet is offered for a design that does not compute');
  await shot('11-design-alexnet-63-error.png');
  expectHttpErrors(false);

  // 15. model.json downloaded, loaded into the repository, gives the same table
  await page.fill('#design-h', '224');
  await page.fill('#design-w', '224');
  await page.waitForSelector('#design-layer-error', {state: 'detached'});
  await idle();
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#design-download')]);
  const folder = path.join(repository, 'designed');
  fs.mkdirSync(path.join(folder, '1'), {recursive: true});
  await download.saveAs(path.join(folder, 'model.json'));
  const loaded = await fetch(base + '/v2/repository/models/designed/load', {method: 'POST'});
  check(loaded.status === 200, `the downloaded model.json loads into the repository (${loaded.status} ${await loaded.text()})`);
  const served224 = await (await fetch(base + '/v2/models/designed/layers')).json();
  await expectRows(served224, 'the model loaded from the exported model.json');
  await fetch(base + '/v2/repository/models/designed/unload', {method: 'POST'});

  // 16. paste-import: a broken paste, then designs that use every layer type (with LeNet-5's flatten)
  expectHttpErrors(true);
  await page.fill('#import-json', '{"input": ');
  await page.click('#design-import button[type=submit]');
  await page.waitForSelector('#import-error:not([hidden])');
  check(/not JSON/.test(await page.textContent('#import-error')), `a broken paste says so: "${await page.textContent('#import-error')}"`);
  expectHttpErrors(false);
  for (const [name, model] of [['global-avg', GLOBAL_AVG], ['every-type', EVERY_TYPE]]) {
    await page.fill('#import-json', JSON.stringify(model, null, 2));
    await page.click('#design-import button[type=submit]');
    await page.waitForSelector('#import-error', {state: 'hidden'});
    await page.waitForFunction((names) => JSON.stringify([...document.querySelectorAll('#design-table tbody tr[data-layer]')]
      .map((tr) => tr.dataset.layer)) === names, JSON.stringify(model.layers.map((l) => l.name)));
    await idle();
    const summary = await summarize({input: model.input, layers: model.layers});
    check(summary.status === 200, `the pasted ${name} design computes in the service`);
    await expectRows(summary.body, `the pasted ${name} model.json`);
    await expectDiagram(name);
    await exportCase(name);
  }
  const used = new Set([...EVERY_TYPE.layers, ...GLOBAL_AVG.layers, ...lenet.layers].map((l) => l.type));
  check(served.every((t) => used.has(t)), `the pasted designs and LeNet-5 use every layer type (${used.size})`);
  await shot('12-design-every-type-imported.png');
}
