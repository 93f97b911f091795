#!/usr/bin/env python3
"""make_weights.py — writes tiny_cnn.weights, the sidecar of tiny_cnn.graph.

Raw little-endian f32: the conv weight f32[4,3,3,3] at offset 0 (432 bytes),
then the bias f32[4] at offset 432. Values are small multiples of 0.25 so they
are exact in f32. Run from this directory: python3 make_weights.py
"""
import struct

w1 = [((i % 7) - 3) * 0.25 for i in range(4 * 3 * 3 * 3)]
b1 = [0.5, -0.5, 0.25, 0.0]
with open("tiny_cnn.weights", "wb") as f:
    f.write(struct.pack("<%df" % len(w1), *w1))
    f.write(struct.pack("<%df" % len(b1), *b1))
