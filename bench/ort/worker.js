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
//   {"cmd":"profile","iters":N,"prefix":P} -> N profiled runs of the loaded model in a second
//                                             session (ORT's own profiler, enableProfiling);
//                                             {"ok":true,"nodes":{NODE:total_us},"runs":N}
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
let loaded = null; /* the model path and session options of the loaded session */

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
      const options = {
        intraOpNumThreads: req.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        executionProviders: ['cpu'],
      };
      session = await ort.InferenceSession.create(req.model, options);
      loaded = { model: req.model, options };
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
    case 'profile': {
      if (!session) throw new Error('no model loaded');
      const prof = await ort.InferenceSession.create(loaded.model, {
        ...loaded.options, enableProfiling: true, profileFilePrefix: req.prefix,
      });
      for (let i = 0; i < req.iters + 1; i++) await prof.run(feeds); /* the first one is warm-up */
      prof.endProfiling();
      await prof.release();
      const dir = path.dirname(req.prefix), base = path.basename(req.prefix);
      const files = fs.readdirSync(dir).filter((f) => f.startsWith(base) && f.endsWith('.json'));
      if (files.length !== 1) throw new Error(`expected one profile file ${req.prefix}*.json, found ${files.length}`);
      const file = path.join(dir, files[0]);
      const events = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.unlinkSync(file);
      /* node events are "<node name>_kernel_time" with dur in microseconds; the warm-up run comes first */
      const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
      const start = runs.length > 1 ? runs[0].ts + runs[0].dur : 0;
      const nodes = {};
      for (const e of events) {
        if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < start) continue;
        const name = e.name.slice(0, -'_kernel_time'.length);
        nodes[name] = (nodes[name] || 0) + e.dur;
      }
      return { nodes, runs: runs.length > 1 ? runs.length - 1 : runs.length };
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
