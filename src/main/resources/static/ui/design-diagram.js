// The network in the classic style: one block per layer drawn from its output shape, with bars of its share of
// the parameters and MACs beneath. A feature map [C, H, W] is a box whose height is H and whose receding depth is
// W on one scale for the whole network (so 227 -> 55 -> 27 -> 13 -> 6 is seen as it is); its thickness grows with
// log2(C). A flat vector [F] is a thin bar whose height grows with log2(F). The scale is in the figure's legend.

const SVG = 'http://www.w3.org/2000/svg';
/** Height in pixels of the largest height or width of any feature map. */
const MAX_SIDE = 160;
const COLUMN = 84;
const DEPTH_SLANT = 0.4;
const BAR_MAX = 40;

const el = (name, attributes = {}, text) => {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
const fmt = (n) => Number(n).toLocaleString('en-US');
const thickness = (channels) => 3 + 3 * Math.log2(channels);
const vectorHeight = (features) => Math.min(MAX_SIDE, 12 * Math.log2(features + 1));

/** "11×11 /4" for a window layer, "" for the others. */
function windowText(row) {
  const c = row.config || {};
  const k = c.kernel || c.pool;
  if (!k) return '';
  const s = c.stride || [1, 1];
  const kText = k[0] === k[1] ? `${k[0]}×${k[0]}` : `${k[0]}×${k[1]}`;
  const sText = s[0] === s[1] ? `${s[0]}` : `${s[0]}×${s[1]}`;
  return `${kText} /${sText}`;
}

/** "55×55×96" (H×W×C, the classic order) or "9216". */
export function shapeLabel(shape) {
  return shape.length === 3 ? `${shape[1]}×${shape[2]}×${shape[0]}` : shape.join('×');
}

/**
 * Draws the columns into `container`: {input, columns: [{name, type, row | null, state}]} where state is 'ok',
 * 'broken' or 'unknown' (not computable) and row a summary row (shapes with the batch first).
 */
export function drawDiagram(container, input, columns) {
  const shapes = [input, ...columns.filter((c) => c.row).map((c) => c.row.output_shape.slice(1))];
  const largest = Math.max(1, ...shapes.filter((s) => s.length === 3).flatMap((s) => [s[1], s[2]]));
  const scale = MAX_SIDE / largest;
  const rows = columns.filter((c) => c.row).map((c) => c.row);
  const maxParams = Math.max(1, ...rows.map((r) => r.parameters));
  const maxMacs = Math.max(1, ...rows.map((r) => r.macs));
  const top = 10 + MAX_SIDE * (1 + DEPTH_SLANT);
  const labelsY = top + 16;
  const barsY = labelsY + 50;
  const height = barsY + 2 * BAR_MAX + 30;
  const all = [{name: 'input', type: 'input', row: {output_shape: [0, ...input], config: {}}, state: 'ok'}, ...columns];
  const width = all.length * COLUMN + 90;
  const svg = el('svg', {class: 'diagram', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img'});
  const described = [];
  all.forEach((column, i) => {
    const x0 = 90 + i * COLUMN;
    const g = el('g', {'data-layer': column.name, 'data-state': column.state});
    const title = el('title');
    g.appendChild(title);
    if (!column.row) {
      const box = el('rect', {x: x0 + 10, y: top - 40, width: 30, height: 40, class: `block ${column.state}`});
      g.append(box, el('text', {x: x0 + 25, y: top - 15, 'text-anchor': 'middle', class: 'unknown-mark'}, '?'));
      title.textContent = `${column.name} (${column.type}): ${column.state === 'broken' ? 'fails here' : 'not computable'}`;
      described.push(`${column.name} ${column.state === 'broken' ? 'fails' : 'not computable'}`);
    } else {
      const shape = column.row.output_shape.slice(1);
      if (shape.length === 3) {
        const [c, h, w] = shape;
        const fh = h * scale, depth = w * scale, t = thickness(c);
        const dx = depth * DEPTH_SLANT, dy = depth * DEPTH_SLANT;
        const x = x0 + 4, y = top - fh;
        // side and top faces recede up-right; the front face is H high and log2(C) thick
        g.append(
          el('polygon', {class: 'block side', points: `${x + t},${y} ${x + t + dx},${y - dy} ${x + t + dx},${y - dy + fh} ${x + t},${y + fh}`}),
          el('polygon', {class: 'block top', points: `${x},${y} ${x + dx},${y - dy} ${x + t + dx},${y - dy} ${x + t},${y}`}),
          el('rect', {class: `block front ${column.state}`, x, y, width: t, height: fh,
            'data-height': fh.toFixed(3), 'data-depth': depth.toFixed(3), 'data-thickness': t.toFixed(3)}));
      } else {
        const f = shape[0];
        const bh = vectorHeight(f);
        g.append(el('rect', {class: `block vector ${column.state}`, x: x0 + 8, y: top - bh, width: 6, height: bh,
          'data-height': bh.toFixed(3), 'data-features': f}));
      }
      title.textContent = `${column.name} (${column.type}): ${shapeLabel(shape)}`
        + (column.type === 'input' ? '' : `, ${fmt(column.row.parameters)} parameters, ${fmt(column.row.macs)} MACs`);
      described.push(`${column.name} ${shapeLabel(shape)}`);
    }
    g.append(
      el('text', {x: x0, y: labelsY, class: 'name'}, column.name.length > 12 ? column.name.slice(0, 11) + '…' : column.name),
      el('text', {x: x0, y: labelsY + 13, class: 'window'}, column.row ? windowText(column.row) : column.state === 'broken' ? '' : 'not'),
      el('text', {x: x0, y: labelsY + 26, class: 'shape'},
        column.row ? shapeLabel(column.row.output_shape.slice(1)) : column.state === 'broken' ? 'fails' : 'computable'));
    if (column.row && column.type !== 'input') {
      const p = column.row.parameters / maxParams, m = column.row.macs / maxMacs;
      const ph = Math.max(p > 0 ? 1 : 0, p * BAR_MAX), mh = Math.max(m > 0 ? 1 : 0, m * BAR_MAX);
      g.append(
        el('rect', {class: 'bar params', x: x0, y: barsY + BAR_MAX - ph, width: 14, height: ph,
          'data-parameters': column.row.parameters}),
        el('rect', {class: 'bar macs', x: x0 + 18, y: barsY + BAR_MAX - mh, width: 14, height: mh,
          'data-macs': column.row.macs}));
    }
    svg.appendChild(g);
  });
  svg.append(
    el('text', {x: 4, y: barsY + BAR_MAX - 14, class: 'legend params-legend'}, 'left: params'),
    el('text', {x: 4, y: barsY + BAR_MAX, class: 'legend macs-legend'}, 'right: MACs'));
  svg.setAttribute('aria-label', `Diagram of the network: ${described.join(', ')}`);
  svg.dataset.scale = scale.toFixed(6);
  container.replaceChildren(svg);
  return {scale};
}

/** The legend: what the sizes mean at this scale. */
export function legendText(scale) {
  return `Height and depth of each box: the feature map's height and width at ${scale.toFixed(2)} px per pixel of the map;`
    + ' thickness grows with log2 of the channels; a flat vector is a thin bar growing with log2 of its size.'
    + ' Bars beneath: each layer\'s parameters (left) and MACs (right) against the largest layer.';
}
