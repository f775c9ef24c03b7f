// End-to-end test of the page in a real browser: Debian's Chromium driven by playwright-core.
// Usage: node ui.e2e.mjs <base-url> <screenshot-dir> <digit-png> <digit-label> <photo>
// Prints one line per check; exits 1 on the first failed check (UiEndToEndTest runs it and reads the exit code).
import {chromium} from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const [base, shots, digitPng, digitLabel, photo] = process.argv.slice(2);
if (!base || !shots || !digitPng || !digitLabel || !photo) {
  console.error('usage: node ui.e2e.mjs <base-url> <screenshot-dir> <digit-png> <digit-label> <photo>');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!fs.existsSync(executablePath)) {
  console.error(`FAIL no browser at ${executablePath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  process.exit(1);
}
fs.mkdirSync(shots, {recursive: true});

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
  console.log('ok   ' + message.split('\n')[0]);
}

const fmt = (n) => Number(n).toLocaleString('en-US');
const shapeText = (s) => '[' + s.join(', ') + ']';

async function getJson(url) {
  const r = await fetch(base + url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

/** The rows of the layer table as text cells. */
async function tableRows(page) {
  return page.$$eval('#layers-table tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent.trim())));
}

async function expectTableMatches(page, summary, what) {
  const rows = await tableRows(page);
  check(rows.length === summary.layers.length, `${what}: ${rows.length} rows, /layers has ${summary.layers.length}`);
  summary.layers.forEach((l, i) => {
    const expected = [String(l.index), l.name, l.type, shapeText(l.input_shape), shapeText(l.output_shape),
      fmt(l.parameters), fmt(l.macs), fmt(l.activation_bytes)];
    const same = JSON.stringify(rows[i]) === JSON.stringify(expected);
    if (!same) {
      throw new Error(`${what}: row ${i} is ${JSON.stringify(rows[i])}, /layers says ${JSON.stringify(expected)}`);
    }
  });
  console.log(`ok   ${what}: every row equals /layers (name, type, shapes, parameters, MACs, bytes)`);
  const totals = await page.$$eval('#totals td', (cells) => cells.map((c) => c.textContent.trim()));
  check(totals[5] === fmt(summary.totals.parameters) && totals[6] === fmt(summary.totals.macs),
    `${what}: totals ${totals[5]} parameters, ${totals[6]} MACs equal /layers' totals`);
}

async function waitReady(page, hash) {
  await page.waitForSelector(`body[data-ready="${hash}"]`, {timeout: 30000});
}

/** Number of feature-map canvases of a layer that are not one flat colour. */
async function featureMaps(page, layer) {
  return page.$$eval(`.fmap-layer[data-layer="${layer}"] canvas`, (canvases) => canvases.map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let min = 255, max = 0;
    for (let i = 0; i < d.length; i += 4) {
      min = Math.min(min, d[i]);
      max = Math.max(max, d[i]);
    }
    return {width: c.width, height: c.height, varied: max > min};
  }));
}

const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
const consoleErrors = [];
try {
  const page = await browser.newPage({viewport: {width: 1300, height: 1000}});
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // 1. the model list
  await page.goto(base + '/ui/');
  await waitReady(page, '#/');
  const listed = await page.$$eval('#models-table tbody tr td:first-child', (cells) => cells.map((c) => c.textContent));
  const models = (await getJson('/v2/models')).models.map((m) => m.name);
  check(JSON.stringify(listed) === JSON.stringify(models), `model list ${JSON.stringify(listed)} equals /v2/models`);
  await page.screenshot({path: path.join(shots, '01-models.png'), fullPage: true});

  // 2. lenet5's layer table equals /layers
  await page.click('text=lenet5');
  await waitReady(page, '#/models/lenet5');
  await expectTableMatches(page, await getJson('/v2/models/lenet5/layers'), 'lenet5 at 1x28x28');

  // 3. recompute for another input size, by keyboard only
  await page.focus('#input-shape');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('1,32,32');
  await page.keyboard.press('Tab');
  await page.keyboard.type('4');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#layers-table tbody tr td:nth-child(4)')?.textContent.startsWith('[4, 1, 32, 32]'));
  await expectTableMatches(page, await getJson('/v2/models/lenet5/layers?input_shape=1,32,32&batch_size=4'),
    'lenet5 at 1x32x32, batch 4 (typed with the keyboard)');

  // 4. an input no layer accepts: the error names the layer
  await page.fill('#input-shape', '1,2,2');
  await page.fill('#batch-size', '1');
  await page.click('#shape-form button[type=submit]');
  await page.waitForSelector('#layers-error:not([hidden])');
  const error = await page.textContent('#layers-error');
  check(/conv|pool/.test(error) && /would be/.test(error), `input 1x2x2 shows the error naming the layer: "${error}"`);
  await page.fill('#input-shape', '1,28,28');
  await page.click('#shape-form button[type=submit]');
  await page.waitForSelector('#layers-error', {state: 'hidden'});

  // 5. draw a 7 and classify it
  const pad = await page.$('#pad');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  const at = (x, y) => [box.x + x * box.width / 280, box.y + y * box.height / 280];
  await page.mouse.move(...at(70, 60));
  await page.mouse.down();
  for (const [x, y] of [[120, 58], [170, 56], [215, 58], [190, 110], [165, 160], [145, 205], [130, 240]]) {
    await page.mouse.move(...at(x, y), {steps: 6});
  }
  await page.mouse.up();
  await page.click('#classify-drawing');
  await page.waitForFunction(() => document.querySelector('#prediction')?.dataset.label);
  const drawn = await page.getAttribute('#prediction', 'data-label');
  const top5 = await page.$$eval('#top5 tbody tr', (rows) => rows.map((r) => r.children[0].textContent + ' ' + r.children[1].textContent));
  check(drawn === '7', `the drawn 7 is classified as ${drawn} (top 5: ${top5.join(', ')})`);
  check(top5.length === 5, 'top-5 table has 5 rows');
  await page.waitForSelector('.fmap-layer[data-layer="conv2"] canvas');
  const summary = await getJson('/v2/models/lenet5/layers');
  for (const layer of summary.layers.filter((l) => l.type === 'conv2d')) {
    const maps = await featureMaps(page, layer.name);
    const [, c, h, w] = layer.output_shape;
    check(maps.length === Math.min(c, 32) && maps.every((m) => m.width === w && m.height === h),
      `${layer.name}: ${maps.length} feature maps of ${w}x${h} drawn (output ${shapeText(layer.output_shape)})`);
    check(maps.filter((m) => m.varied).length >= Math.ceil(maps.length / 2),
      `${layer.name}: ${maps.filter((m) => m.varied).length} of ${maps.length} maps show structure (not one flat colour)`);
  }
  await page.screenshot({path: path.join(shots, '02-lenet5-drawn-7.png'), fullPage: true});

  // 6. upload a real MNIST digit
  await page.setInputFiles('#upload', digitPng);
  await page.waitForFunction((previous) => {
    const img = document.querySelector('#sent');
    return img && img.src !== previous && document.querySelector('#prediction').dataset.label;
  }, '', {timeout: 30000});
  await page.waitForFunction((label) => document.querySelector('#prediction').dataset.label === label, digitLabel, {timeout: 15000})
    .catch(() => {});
  const uploaded = await page.getAttribute('#prediction', 'data-label');
  check(uploaded === digitLabel, `uploaded ${path.basename(digitPng)} is classified as ${uploaded}, labelled ${digitLabel}`);
  await page.screenshot({path: path.join(shots, '03-lenet5-uploaded-digit.png'), fullPage: true});

  // 7. metrics in brief count the requests the page made
  await page.click('#metrics-refresh');
  await page.waitForFunction(() => Number(document.querySelector('dd[data-metric="Requests"]').textContent.replace(/,/g, '')) >= 2);
  const requests = await page.textContent('dd[data-metric="Requests"]');
  const p99 = await page.textContent('dd[data-metric="p99 latency"]');
  check(/ms$/.test(p99), `metrics: ${requests} requests, p99 ${p99}`);

  // 8. AlexNet: the dense layers hold most parameters, the convolutions most MACs
  await page.goto(base + '/ui/#/models/alexnet');
  await waitReady(page, '#/models/alexnet');
  const alex = await getJson('/v2/models/alexnet/layers');
  await expectTableMatches(page, alex, 'alexnet at 3x227x227');
  const share = (chart) => page.$$eval(`${chart} rect`,
    (rects) => rects.map((r) => [r.dataset.layer, Number(r.dataset.share)]));
  const denseNames = new Set(alex.layers.filter((l) => l.type === 'dense').map((l) => l.name));
  const paramShares = await share('#params-chart');
  const macShares = await share('#macs-chart');
  const denseParams = paramShares.filter(([n]) => denseNames.has(n)).reduce((a, [, s]) => a + s, 0);
  const denseMacs = macShares.filter(([n]) => denseNames.has(n)).reduce((a, [, s]) => a + s, 0);
  const expectedDense = alex.layers.filter((l) => denseNames.has(l.name)).reduce((a, l) => a + l.parameters, 0) / alex.totals.parameters;
  check(Math.abs(denseParams - expectedDense) < 1e-4 && denseParams > 0.9,
    `alexnet chart: dense layers hold ${(100 * denseParams).toFixed(1)} % of the parameters`);
  check(denseMacs < 0.1, `alexnet chart: dense layers do ${(100 * denseMacs).toFixed(1)} % of the MACs`);
  await page.screenshot({path: path.join(shots, '04-alexnet.png'), fullPage: true});

  // 9. a photo on AlexNet: no drawing pad for a 3-channel model, top 5 and the 96 first-layer maps (32 shown)
  check(await page.isHidden('#draw-panel'), 'alexnet (3 channels) offers upload, not the digit pad');
  await page.setInputFiles('#upload', photo);
  await page.waitForSelector('#top5 tbody tr:nth-child(5)', {timeout: 60000});
  await page.waitForSelector('.fmap-layer[data-layer="conv1"] canvas', {timeout: 60000});
  const alexConv1 = alex.layers.find((l) => l.name === 'conv1');
  const alexMaps = await featureMaps(page, 'conv1');
  check(alexMaps.length === 32 && alexMaps.every((m) => m.width === alexConv1.output_shape[3]),
    `alexnet conv1: 32 of ${alexConv1.output_shape[1]} maps of ${alexConv1.output_shape[3]}x${alexConv1.output_shape[2]} drawn for ${path.basename(photo)}`);
  await page.screenshot({path: path.join(shots, '05-alexnet-photo.png'), fullPage: true});

  // 10. accessibility basics: every form control has a label, images have text
  const unlabelled = await page.$$eval('input, select, textarea, button, canvas#pad', (els) => els
    .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
    .map((e) => e.id || e.outerHTML.slice(0, 60)));
  check(unlabelled.length === 0, `every control has a label (unlabelled: ${JSON.stringify(unlabelled)})`);
  // the 422 of step 4 is the answer that test asked for; anything else is a fault of the page
  const unexpected = consoleErrors.filter((e) => !/status of 422/.test(e));
  check(unexpected.length === 0, `no other errors in the browser console (${JSON.stringify(unexpected)})`);
} catch (e) {
  failed = true;
  console.log('FAIL ' + e.message);
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length) await pages[0].screenshot({path: path.join(shots, 'failure.png'), fullPage: true});
  } catch (ignored) {
    // the failure above is what matters
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
