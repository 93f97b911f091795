// npy.js — read and write numpy .npy files (version 1/2, little-endian, C order)
// for the ONNX Runtime worker: the dtypes the benchmark's models use.
'use strict';
const fs = require('fs');

// numpy descr -> [onnxruntime tensor type, typed array constructor]
const DTYPES = {
  '<f4': ['float32', Float32Array],
  '<f8': ['float64', Float64Array],
  '<i8': ['int64', BigInt64Array],
  '<i4': ['int32', Int32Array],
  '|i1': ['int8', Int8Array],
  '|u1': ['uint8', Uint8Array],
  '|b1': ['bool', Uint8Array],
};

function read(path) {
  const buf = fs.readFileSync(path);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const order = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !order || !shape) throw new Error(`${path}: bad .npy header`);
  if (order[1] === 'True') throw new Error(`${path}: Fortran order is not supported`);
  const dt = DTYPES[descr[1]];
  if (!dt) throw new Error(`${path}: dtype ${descr[1]} is not supported`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const off = hstart + hlen;
  const size = count * dt[1].BYTES_PER_ELEMENT;
  if (off + size > buf.length) throw new Error(`${path}: truncated data`);
  // Copy into a fresh, aligned buffer (the file buffer's offset may be unaligned).
  const bytes = new Uint8Array(size);
  bytes.set(buf.subarray(off, off + size));
  return { type: dt[0], data: new dt[1](bytes.buffer), dims };
}

function write(path, type, data, dims) {
  const descr = Object.keys(DTYPES).find((k) => DTYPES[k][0] === type);
  if (!descr) throw new Error(`cannot write dtype ${type}`);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

module.exports = { read, write };
