// The design as a model.json, a PyTorch nn.Sequential and a Keras Sequential. Pure functions of the design and
// its summary rows (each row's `config` has every setting with defaults resolved, and its input/output shapes),
// so the snippets say what the service computed. tools/design/check_snippets.py runs them in torch and keras.

/** A model.json the service loads: architecture-only weights (he_normal from a seed) unless weights are added. */
export function modelJson(design, name = 'designed') {
  return {
    format_version: 1,
    name,
    description: `Designed in convserve's design view (${design.layers.length} layers, input ${design.input.join('x')}).`,
    input: {name: 'input', shape: design.input, datatype: 'FP32', layout: 'NCHW'},
    output: {name: 'output'},
    init: {scheme: 'he_normal', seed: 42},
    layers: design.layers,
  };
}

/** A Python identifier for a layer name, unique among `taken`. */
function identifier(name, taken) {
  let id = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(id)) id = 'layer_' + id;
  let unique = id;
  for (let i = 2; taken.has(unique); i++) unique = `${id}_${i}`;
  taken.add(unique);
  return unique;
}

const pair = (v) => (Array.isArray(v) ? (v.length === 1 ? [v[0], v[0]] : v) : [v, v]);
const tuple = (v) => `(${v.join(', ')})`;
const py = (v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : typeof v === 'string' ? JSON.stringify(v) : String(v));

/**
 * [top, bottom, left, right] of a window's padding for this input: explicit amounts as they are, TensorFlow's
 * "same" as it pads (ceil(in / stride) outputs, the smaller half first), "valid" none.
 */
export function explicitPadding(padding, input, kernel, stride, dilation = [1, 1]) {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const [, , h, w] = input;
    const side = (size, k, s, d) => {
      const out = Math.ceil(size / s);
      const total = Math.max((out - 1) * s + (k - 1) * d + 1 - size, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    };
    const [t, b] = side(h, kernel[0], stride[0], dilation[0]);
    const [l, r] = side(w, kernel[1], stride[1], dilation[1]);
    return [t, b, l, r];
  }
  const p = Array.isArray(padding) ? padding : [padding];
  if (p.length === 1) return [p[0], p[0], p[0], p[0]];
  if (p.length === 2) return [p[0], p[0], p[1], p[1]];
  return p;
}

/**
 * Extra bottom/right padding a floor-mode window needs to give the engine's output size (ceil_mode, or an
 * asymmetric padding): (out - 1) * stride + kernel - (in + padding), when positive.
 */
function extraForOutput(input, output, kernel, stride, pad) {
  const need = (size, out, k, s, p0, p1) => Math.max(0, (out - 1) * s + k - (size + p0 + p1));
  return [need(input[2], output[2], kernel[0], stride[0], pad[0], pad[1]),
    need(input[3], output[3], kernel[1], stride[1], pad[2], pad[3])];
}

const TORCH_ACTIVATIONS = {
  relu: () => 'nn.ReLU()',
  leaky_relu: (alpha) => `nn.LeakyReLU(${alpha ?? 0.01})`,
  sigmoid: () => 'nn.Sigmoid()',
  tanh: () => 'nn.Tanh()',
  softmax: () => 'nn.Softmax(dim=1)',
};

/**
 * PyTorch: {code, modules} where modules maps each layer name to the names of its modules in order (a layer with
 * an activation or an asymmetric padding is two or three modules).
 */
export function pytorchSnippet(design, rows, title = 'design') {
  const taken = new Set();
  const modules = {};
  const lines = [];
  const notes = new Set();
  const add = (layer, name, expression) => {
    modules[layer].push(name);
    lines.push(`    (${JSON.stringify(name)}, ${expression}),`);
  };
  for (const row of rows) {
    const c = row.config || {};
    const m = identifier(row.name, taken);
    modules[row.name] = [];
    const input = row.input_shape;
    const spatial = input.length === 4;
    switch (row.type) {
      case 'conv2d':
      case 'depthwise_conv2d': {
        const k = pair(c.kernel), s = pair(c.stride), d = pair(c.dilation);
        const [t, b, l, r] = explicitPadding(c.padding, input, k, s, d);
        const symmetric = t === b && l === r;
        if (!symmetric) add(row.name, identifier(`${row.name}_pad`, taken), `nn.ZeroPad2d(${tuple([l, r, t, b])})`);
        const inC = input[1];
        const outC = row.type === 'conv2d' ? c.filters : inC * c.depth_multiplier;
        const groups = row.type === 'conv2d' ? c.groups : inC;
        add(row.name, m, `nn.Conv2d(${inC}, ${outC}, kernel_size=${tuple(k)}, stride=${tuple(s)}, `
          + `padding=${tuple(symmetric ? [t, l] : [0, 0])}, dilation=${tuple(d)}, groups=${groups}, bias=${py(c.bias)})`);
        break;
      }
      case 'max_pool2d':
      case 'avg_pool2d': {
        const k = pair(c.pool), s = pair(c.stride);
        const [t, b, l, r] = explicitPadding(c.padding, input, k, s);
        const symmetric = t === b && l === r && t <= Math.floor(k[0] / 2) && l <= Math.floor(k[1] / 2);
        if (!symmetric) {
          add(row.name, identifier(`${row.name}_pad`, taken), row.type === 'max_pool2d'
            ? `nn.ConstantPad2d(${tuple([l, r, t, b])}, float("-inf"))` : `nn.ZeroPad2d(${tuple([l, r, t, b])})`);
          if (row.type === 'avg_pool2d') notes.add('# avg_pool2d with asymmetric padding: the padded zeros count in this average, not in the service\'s.');
        }
        const padding = tuple(symmetric ? [t, l] : [0, 0]);
        add(row.name, m, row.type === 'max_pool2d'
          ? `nn.MaxPool2d(kernel_size=${tuple(k)}, stride=${tuple(s)}, padding=${padding}, ceil_mode=${py(c.ceil_mode)})`
          : `nn.AvgPool2d(kernel_size=${tuple(k)}, stride=${tuple(s)}, padding=${padding}, ceil_mode=${py(c.ceil_mode)}, count_include_pad=False)`);
        break;
      }
      case 'adaptive_avg_pool2d':
        add(row.name, m, `nn.AdaptiveAvgPool2d(${tuple(pair(c.output_size))})`);
        break;
      case 'global_avg_pool2d':
      case 'global_max_pool2d':
        add(row.name, m, row.type === 'global_avg_pool2d' ? 'nn.AdaptiveAvgPool2d(1)' : 'nn.AdaptiveMaxPool2d(1)');
        add(row.name, identifier(`${row.name}_flat`, taken), 'nn.Flatten()');
        break;
      case 'zero_pad2d': {
        const [t, b, l, r] = explicitPadding(c.padding, input, [1, 1], [1, 1]);
        add(row.name, m, `nn.ZeroPad2d(${tuple([l, r, t, b])})`);
        break;
      }
      case 'batch_norm':
        add(row.name, m, `nn.BatchNorm${spatial ? '2d' : '1d'}(${input[1]}, eps=${c.epsilon})`);
        break;
      case 'local_response_norm':
        add(row.name, m, `nn.LocalResponseNorm(${c.size}, alpha=${c.alpha}, beta=${c.beta}, k=${c.k})`);
        break;
      case 'flatten':
        add(row.name, m, 'nn.Flatten()');
        break;
      case 'dense':
        add(row.name, m, `nn.Linear(${input[1]}, ${c.units}, bias=${py(c.bias)})`);
        break;
      case 'dropout':
        add(row.name, m, `nn.Dropout(p=${c.rate})`);
        break;
      default:
        if (TORCH_ACTIVATIONS[row.type]) add(row.name, m, TORCH_ACTIVATIONS[row.type](c.alpha));
        else throw new Error(`no PyTorch module for layer type '${row.type}'`);
    }
    if (c.activation && c.activation !== 'none') {
      add(row.name, identifier(`${row.name}_act`, taken), TORCH_ACTIVATIONS[c.activation]());
    }
  }
  const last = rows.at(-1);
  const code = [
    '# ' + title + ', exported from convserve\'s design view.',
    `# Input [N, ${design.input.join(', ')}] (NCHW), output ${JSON.stringify(last.output_shape.slice(1))} per example.`,
    ...notes,
    'from collections import OrderedDict',
    '',
    'import torch',
    'from torch import nn',
    '',
    'model = nn.Sequential(OrderedDict([',
    ...lines,
    ']))',
    'model.eval()',
    '',
    `x = torch.zeros(${[design.batch, ...design.input].join(', ')})`,
    'print(model(x).shape)',
    '',
  ].join('\n');
  return {code, modules};
}

const KERAS_ACTIVATIONS = new Set(['relu', 'sigmoid', 'tanh', 'softmax']);

/** Keras (channels last): {code, modules} as for PyTorch; shapes are NHWC there. */
export function kerasSnippet(design, rows, title = 'design') {
  const taken = new Set();
  const modules = {};
  const lines = [];
  const notes = new Set();
  let usesTf = false;
  const add = (layer, name, expression) => {
    modules[layer].push(name);
    lines.push(`    ${expression.replace(/\)$/, `${expression.endsWith('()') ? '' : ', '}name=${JSON.stringify(name)})`)},`);
  };
  const hwc = (shape) => (shape.length === 3 ? [shape[1], shape[2], shape[0]] : shape);
  const pad = (layer, name, [t, b, l, r]) => {
    if (t || b || l || r) add(layer, name, `layers.ZeroPadding2D(((${t}, ${b}), (${l}, ${r})))`);
  };
  for (const row of rows) {
    const c = row.config || {};
    const m = identifier(row.name, taken);
    modules[row.name] = [];
    const input = row.input_shape;
    let activation = c.activation && c.activation !== 'none' ? c.activation : null;
    const fused = activation && KERAS_ACTIVATIONS.has(activation) ? `, activation="${activation}"` : '';
    switch (row.type) {
      case 'conv2d':
      case 'depthwise_conv2d': {
        const k = pair(c.kernel), s = pair(c.stride), d = pair(c.dilation);
        const same = c.padding === 'same';
        if (!same) pad(row.name, identifier(`${row.name}_pad`, taken), explicitPadding(c.padding, input, k, s, d));
        add(row.name, m, row.type === 'conv2d'
          ? `layers.Conv2D(${c.filters}, ${tuple(k)}, strides=${tuple(s)}, padding="${same ? 'same' : 'valid'}", `
            + `dilation_rate=${tuple(d)}, groups=${c.groups}, use_bias=${py(c.bias)}${fused})`
          : `layers.DepthwiseConv2D(${tuple(k)}, strides=${tuple(s)}, padding="${same ? 'same' : 'valid'}", `
            + `depth_multiplier=${c.depth_multiplier}, dilation_rate=${tuple(d)}, use_bias=${py(c.bias)}${fused})`);
        break;
      }
      case 'max_pool2d':
      case 'avg_pool2d': {
        const k = pair(c.pool), s = pair(c.stride);
        const same = c.padding === 'same' && !c.ceil_mode;
        if (!same) {
          const p = explicitPadding(c.padding, input, k, s);
          const [eh, ew] = extraForOutput(input, row.output_shape, k, s, p);
          pad(row.name, identifier(`${row.name}_pad`, taken), [p[0], p[1] + eh, p[2], p[3] + ew]);
          if (p.some((x) => x > 0) || eh || ew) {
            notes.add('# Pooling over zero padding: the shapes are the service\'s, the values at the borders may differ.');
          }
        }
        const kind = row.type === 'max_pool2d' ? 'MaxPooling2D' : 'AveragePooling2D';
        add(row.name, m, `layers.${kind}(${tuple(k)}, strides=${tuple(s)}, padding="${same ? 'same' : 'valid'}")`);
        break;
      }
      case 'adaptive_avg_pool2d':
        add(row.name, m, `layers.AdaptiveAveragePooling2D(${tuple(pair(c.output_size))})`);
        break;
      case 'global_avg_pool2d':
        add(row.name, m, 'layers.GlobalAveragePooling2D()');
        break;
      case 'global_max_pool2d':
        add(row.name, m, 'layers.GlobalMaxPooling2D()');
        break;
      case 'zero_pad2d': {
        const [t, b, l, r] = explicitPadding(c.padding, input, [1, 1], [1, 1]);
        add(row.name, m, `layers.ZeroPadding2D(((${t}, ${b}), (${l}, ${r})))`);
        break;
      }
      case 'batch_norm':
        add(row.name, m, `layers.BatchNormalization(epsilon=${c.epsilon})`);
        break;
      case 'local_response_norm':
        // PyTorch's LRN (the service's) in TensorFlow's terms: radius (size - 1) / 2, alpha / size
        usesTf = true;
        add(row.name, m, `layers.Lambda(lambda x: tf.nn.local_response_normalization(x, depth_radius=${Math.floor((c.size - 1) / 2)}, `
          + `bias=${c.k}, alpha=${c.alpha} / ${c.size}, beta=${c.beta}))`);
        break;
      case 'flatten':
        notes.add('# Flatten runs over (H, W, C) here and over (C, H, W) in the service: same sizes, other order.');
        add(row.name, m, 'layers.Flatten()');
        break;
      case 'dense':
        add(row.name, m, `layers.Dense(${c.units}, use_bias=${py(c.bias)}${fused})`);
        break;
      case 'dropout':
        add(row.name, m, `layers.Dropout(${c.rate})`);
        break;
      case 'relu':
        add(row.name, m, 'layers.ReLU()');
        break;
      case 'leaky_relu':
        add(row.name, m, `layers.LeakyReLU(negative_slope=${c.alpha})`);
        break;
      case 'sigmoid':
      case 'tanh':
        add(row.name, m, `layers.Activation("${row.type}")`);
        break;
      case 'softmax':
        add(row.name, m, 'layers.Softmax()');
        break;
      default:
        throw new Error(`no Keras layer for layer type '${row.type}'`);
    }
    if (activation === 'leaky_relu') {
      add(row.name, identifier(`${row.name}_act`, taken), 'layers.LeakyReLU(negative_slope=0.01)');
    }
  }
  const last = rows.at(-1);
  const code = [
    '# ' + title + ', exported from convserve\'s design view, channels last:',
    `# input (${hwc(design.input).join(', ')}) per example here, [${design.input.join(', ')}] (NCHW) in the service;`
      + ` output ${JSON.stringify(hwc(last.output_shape.slice(1)))}.`,
    ...notes,
    'import keras',
    'from keras import layers',
    ...(usesTf ? ['import tensorflow as tf'] : []),
    '',
    'model = keras.Sequential([',
    `    keras.Input(shape=(${hwc(design.input).join(', ')}${design.input.length === 1 ? ',' : ''})),`,
    ...lines,
    '])',
    'model.summary()',
    '',
  ].join('\n');
  return {code, modules};
}
