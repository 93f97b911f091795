// ort_time.js — times one ONNX model with ONNX Runtime (npm onnxruntime-node,
// CPU) for bench/convnets.py: usage
//   node ort_time.js MODEL.onnx THREADS ITERS WARMUP IN.npy OUT.npy
// Prints one JSON line {"median_ms", "min_ms", "iters"} and writes the output.
'use strict';
const path = require('path');
const npy = require(path.join(__dirname, '..', 'ort', 'npy.js'));
let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  ort = require(path.join(__dirname, '..', 'ort', 'node_modules', 'onnxruntime-node'));
}

(async () => {
  const [model, threads, iters, warmup, inPath, outPath] = process.argv.slice(2);
  const s = await ort.InferenceSession.create(model, {
    intraOpNumThreads: +threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const x = npy.read(inPath);
  const feeds = { [s.inputNames[0]]: new ort.Tensor(x.type, x.data, x.dims) };
  let out;
  for (let i = 0; i < +warmup; i++) out = await s.run(feeds);
  const t = [];
  for (let i = 0; i < +iters; i++) {
    const t0 = process.hrtime.bigint();
    out = await s.run(feeds);
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const y = out[s.outputNames[0]];
  npy.write(outPath, y.type, y.data, y.dims);
  t.sort((a, b) => a - b);
  console.log(JSON.stringify({ median_ms: t[Math.floor(t.length / 2)], min_ms: t[0], iters: t.length }));
})().catch((e) => { console.error(`ort_time: ${e.message}`); process.exit(1); });
