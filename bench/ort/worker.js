// worker.js — ONNX Runtime (CPU) engine for the benchmark harness.
//
//     node bench/ort/worker.js        (driven by bench/lib over stdin/stdout)
//
// Reads one JSON request per line on stdin and answers one JSON line on
// stdout, so the harness can keep a session loaded and interleave timing
// rounds with the other engines:
//   {"cmd":"load","model":PATH,"threads":T,"inputs":{NAME:NPY}} -> {"ok":true,"load_ms":..}
//   {"cmd":"time","iters":N,"warmup":W}   -> {"ok":true,"times_ms":[..N]}
//   {"cmd":"save","dir":DIR}               -> runs once, writes DIR/<output>.npy
//   {"cmd":"version"}                      -> {"ok":true,"version":..}
// Sessions use intraOpNumThreads=T, interOpNumThreads=1, sequential execution
// and all graph optimisations: ONNX Runtime's usual CPU configuration.
// Errors answer {"ok":false,"error":MESSAGE}; the worker keeps going.
'use strict';
const path = require('path');
const readline = require('readline');
const fs = require('fs');
const npy = require('./npy');

const modulesDir = process.env.BENCH_ORT_MODULES || path.join(__dirname, 'node_modules');
const ort = require(path.join(modulesDir, 'onnxruntime-node'));

let session = null;
let feeds = null;

function sanitize(name) {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function handle(req) {
  switch (req.cmd) {
    case 'version':
      return { version: require(path.join(modulesDir, 'onnxruntime-node', 'package.json')).version };
    case 'load': {
      const t0 = process.hrtime.bigint();
      if (session) await session.release();
      session = null;
      feeds = {};
      for (const [name, file] of Object.entries(req.inputs)) {
        const a = npy.read(file);
        feeds[name] = new ort.Tensor(a.type, a.data, a.dims);
      }
      session = await ort.InferenceSession.create(req.model, {
        intraOpNumThreads: req.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        executionProviders: ['cpu'],
      });
      return { load_ms: Number(process.hrtime.bigint() - t0) / 1e6 };
    }
    case 'time': {
      if (!session) throw new Error('no model loaded');
      for (let i = 0; i < req.warmup; i++) await session.run(feeds);
      const times = [];
      for (let i = 0; i < req.iters; i++) {
        const t0 = process.hrtime.bigint();
        await session.run(feeds);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      return { times_ms: times };
    }
    case 'save': {
      if (!session) throw new Error('no model loaded');
      const out = await session.run(feeds);
      fs.mkdirSync(req.dir, { recursive: true });
      for (const [name, t] of Object.entries(out)) {
        npy.write(path.join(req.dir, sanitize(name) + '.npy'), t.type, t.data, t.dims);
      }
      return { outputs: Object.keys(out) };
    }
    default:
      throw new Error(`unknown command ${req.cmd}`);
  }
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let reply;
    try {
      reply = Object.assign({ ok: true }, await handle(JSON.parse(line)));
    } catch (e) {
      const msg = String((e && e.message) || e).split('\n').find((l) => l.trim()) || 'error';
      reply = { ok: false, error: msg };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
  if (session) await session.release();
}

main();
