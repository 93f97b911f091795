#!/usr/bin/env python3
"""make_corpus.py — writes the hostile-input corpus in tests/hostile/.

    /usr/bin/python3 tests/hostile/make_corpus.py            # rewrites the small files here
    /usr/bin/python3 tests/hostile/make_corpus.py --large DIR  # writes the large ones to DIR

Every file here is a model or input that inductc must refuse cleanly: exit 1
or 2, one line on stderr, no signal, no hang, no sanitizer report
(tests/hostile.sh checks that). Files named ok_* are valid edge cases that may
also succeed. Bytes are fixed (seeded), so failures are reproducible. The
large files (long lines, deep nesting) are not kept in the tree: tests/hostile.sh
writes them to a scratch directory with --large, and makes the
machine-dependent cases (truncations of the examples, fake shared objects)
itself.
"""
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LARGE_DIR = sys.argv[2] if len(sys.argv) == 3 and sys.argv[1] == "--large" else None


def put(name, data, large=False):
    """Writes a small file here, or (with --large DIR) a large one to DIR."""
    if large != (LARGE_DIR is not None):
        return
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(LARGE_DIR or HERE, name), "wb") as f:
        f.write(data)


def graph(body, name="h", weights=None):
    w = f'  weights "{weights}"\n' if weights else ""
    return f'graph "{name}" {{\n{w}{body}}}\n'


# --- .graph: references, cycles, names -----------------------------------------------
put("cycle.graph", graph("  input %x : f32[2]\n  %a : f32[2] = add(%x, %b)\n"
                         "  %b : f32[2] = relu(%a)\n  output %b\n"))
put("self_reference.graph", graph("  input %x : f32[2]\n  %a : f32[2] = add(%x, %a)\n  output %a\n"))
put("use_before_input.graph", graph("  %a : f32[2] = relu(%x)\n  input %x : f32[2]\n  output %a\n"))
put("output_undefined.graph", graph("  input %x : f32[2]\n  output %nope\n"))
put("defined_twice.graph", graph("  input %x : f32[2]\n  %x : f32[2] = relu(%x)\n  output %x\n"))
put("ok_empty_graph.graph", 'graph "e" {\n}\n')
put("ok_no_outputs.graph", graph("  input %x : f32[2]\n  %a : f32[2] = relu(%x)\n"))
put("output_is_input_only.graph", graph("  input %x : f32[2]\n  output\n"))
put("nul_bytes.graph", b'graph "n\x00ul" {\n  input %x\x00 : f32[2]\n  %"a\x00b" : f32[2] = relu(%x)\n'
    b'  output %"a\x00b"\n}\n')
put("nul_in_middle.graph", graph("  input %x : f32[2]\n").encode()[:-2] + b"\x00\x00\x00  output %x\n}\n")
put("non_utf8_names.graph", b'graph "\xff\xfe\xc3(" {\n  input %"\xc0\xaf\xed\xa0\x80" : f32[2]\n'
    b'  %"\xf8\x88\x80\x80\x80" : f32[2] = relu(%"\xc0\xaf\xed\xa0\x80")\n  output %"\xf8\x88\x80\x80\x80"\n'
    b'  \xff\n}\n')
put("ok_non_utf8_names.graph", b'graph "\xff\xfe" {\n  input %"\xc0\xaf" : f32[2]\n'
    b'  %"\xf8\x88\x80" : f32[2] = relu(%"\xc0\xaf")\n  output %"\xf8\x88\x80"\n}\n')
put("control_chars.graph", graph('  input %"a\\x01\\x1b[31m" : f32[2]\n  output %"a\\x01\\x1b[31m"\n  \x1b[2J\x07\n'))
put("unterminated_string.graph", 'graph "abc {\n  input %x : f32[2]\n  output %x\n}\n')
put("unterminated_brace.graph", graph("  input %x : f32[2]\n  output %x\n")[:-2])
put("bad_escape.graph", 'graph "a\\x00b\\q" {\n}\n')

# --- .graph: types and dimensions ---------------------------------------------------------
put("huge_dim.graph", graph("  input %x : f32[9223372036854775807]\n  output %x\n"))
put("huge_dim_overflow.graph", graph("  input %x : f32[99999999999999999999999999]\n  output %x\n"))
put("huge_dims_product.graph", graph("  input %x : f32[1048576,1048576,1048576]\n  output %x\n"))
put("huge_dims_wrap.graph", graph("  input %x : f32[4294967296,4294967296]\n  output %x\n"))
put("negative_dim.graph", graph("  input %x : f32[-1,3]\n  output %x\n"))
put("int64_min_dim.graph", graph("  input %x : f32[-9223372036854775808]\n  output %x\n"))
put("rank_9.graph", graph("  input %x : f32[1,1,1,1,1,1,1,1,1]\n  output %x\n"))
put("rank_1000.graph", graph("  input %x : f32[" + ",".join(["1"] * 1000) + "]\n  output %x\n"))
put("unknown_dtype.graph", graph("  input %x : f128[2]\n  output %x\n"))
put("input_too_large_to_run.graph", graph("  input %x : i64[17592186044416]\n"
                                          "  %y : i64[17592186044416] = neg(%x)\n  output %y\n"))
put("ok_zero_size.graph", graph("  input %x : f32[0,3]\n  %y : f32[0,3] = relu(%x)\n  output %y\n"))
put("zero_with_huge.graph", graph("  input %x : f32[0,9223372036854775807]\n  output %x\n"))
put("declared_type_mismatch.graph", graph("  input %x : f32[2,3]\n  %y : f32[3,2] = relu(%x)\n  output %y\n"))

# --- .graph: constants and weights --------------------------------------------------------------
put("small.weights", struct.pack("<4f", 1, 2, 3, 4))
w = "small.weights"
put("weights_offset_past_end.graph", graph("  input %x : f32[4]\n  %w : f32[4] = constant {offset=1000000}\n"
                                           "  %y : f32[4] = mul(%x, %w)\n  output %y\n", weights=w))
put("weights_offset_tail.graph", graph("  input %x : f32[4]\n  %w : f32[4] = constant {offset=4}\n"
                                       "  %y : f32[4] = mul(%x, %w)\n  output %y\n", weights=w))
put("weights_offset_negative.graph", graph("  input %x : f32[4]\n  %w : f32[4] = constant {offset=-8}\n"
                                           "  %y : f32[4] = mul(%x, %w)\n  output %y\n", weights=w))
put("weights_offset_wraps.graph", graph("  input %x : f32[4]\n"
                                        "  %w : f32[4] = constant {offset=9223372036854775800}\n"
                                        "  %y : f32[4] = mul(%x, %w)\n  output %y\n", weights=w))
put("weights_huge_constant.graph", graph("  input %x : f32[4]\n"
                                         "  %w : f32[4611686018427387904] = constant {offset=0}\n"
                                         "  output %x\n", weights=w))
put("weights_no_sidecar_line.graph", graph("  input %x : f32[4]\n  %w : f32[4] = constant {offset=0}\n"
                                           "  output %w\n"))
put("weights_missing_file.graph", graph("  input %x : f32[4]\n  output %x\n", weights="no_such.weights"))
put("weights_is_directory.graph", graph("  input %x : f32[4]\n  output %x\n", weights="."))
put("weights_dev_zero.graph", graph("  input %x : f32[4]\n  output %x\n", weights="/dev/zero"))
put("weights_dev_stdin.graph", graph("  input %x : f32[4]\n  output %x\n", weights="/dev/stdin"))
put("weights_twice.graph", 'graph "h" {\n  weights "small.weights"\n  weights "small.weights"\n  output\n}\n')
put("constant_wrong_count.graph", graph("  %c : f32[3] = constant {value=[1.0, 2.0]}\n  output %c\n"))
put("constant_out_of_range.graph", graph("  %c : u8[2] = constant {ivalue=[1, 300]}\n  output %c\n"))
put("constant_f32_overflow.graph", graph("  %c : f32[1] = constant {value=[1e39]}\n  output %c\n"))
put("constant_two_sources.graph", graph("  %c : f32[1] = constant {value=[1.0], offset=0}\n  output %c\n",
                                        weights=w))
put("constant_huge_inline.graph", graph("  %c : f32[17592186044416] = constant {value=[1.0]}\n  output %c\n"))

# --- .graph: attributes and shape rules ---------------------------------------------------------
conv_in = "  input %x : f32[1,3,8,8]\n  %w : f32[4,3,3,3] = constant {offset=0}\n"
wb = "conv.weights"
put(wb, bytes(4 * 3 * 3 * 3 * 4))
for name, attrs in [("conv_zero_stride", "strides=[0,0]"), ("conv_negative_stride", "strides=[-1,1]"),
                    ("conv_huge_stride", "strides=[9223372036854775807,1]"),
                    ("conv_huge_pads", "pads=[9223372036854775807,0,0,0]"),
                    ("conv_negative_pads", "pads=[-5,-5,-5,-5]"), ("conv_group_zero", "group=0"),
                    ("conv_group_negative", "group=-3"), ("conv_group_huge", "group=9223372036854775807"),
                    ("conv_dilation_huge", "dilations=[4611686018427387904,1]"),
                    ("conv_dilation_zero", "dilations=[0,0]"), ("conv_short_lists", "strides=[1], pads=[1]"),
                    ("conv_long_lists", "strides=[1,1,1,1,1,1,1,1,1,1,1,1]")]:
    put(name + ".graph", graph(conv_in + f"  %y : f32[1,4,6,6] = conv2d(%x, %w) {{{attrs}}}\n  output %y\n",
                               weights=wb))
put("conv_kernel_larger.graph", graph("  input %x : f32[1,3,2,2]\n  %w : f32[4,3,3,3] = constant {offset=0}\n"
                                      "  %y : f32[1,4,0,0] = conv2d(%x, %w)\n  output %y\n", weights=wb))
x23 = "  input %x : f32[2,3]\n"
for name, line in [
    ("reshape_bad_count", "%y : f32[7] = reshape(%x) {shape=[7]}"),
    ("reshape_two_minus_one", "%y : f32[6] = reshape(%x) {shape=[-1,-1]}"),
    ("reshape_huge", "%y : f32[6] = reshape(%x) {shape=[9223372036854775807,2]}"),
    ("reshape_negative", "%y : f32[6] = reshape(%x) {shape=[-6]}"),
    ("transpose_bad_perm", "%y : f32[3,2] = transpose(%x) {perm=[0,0]}"),
    ("transpose_perm_range", "%y : f32[3,2] = transpose(%x) {perm=[1,9223372036854775807]}"),
    ("transpose_perm_negative", "%y : f32[3,2] = transpose(%x) {perm=[-9223372036854775808,0]}"),
    ("slice_zero_step", "%y : f32[2,3] = slice(%x) {starts=[0], ends=[2], axes=[0], steps=[0]}"),
    ("slice_min_step", "%y : f32[2,3] = slice(%x) {starts=[9223372036854775807], ends=[-9223372036854775808], "
                       "axes=[0], steps=[-9223372036854775808]}"),
    ("slice_axis_range", "%y : f32[2,3] = slice(%x) {starts=[0], ends=[1], axes=[9223372036854775807]}"),
    ("concat_axis_range", "%y : f32[4,3] = concat(%x, %x) {axis=-9223372036854775808}"),
    ("softmax_axis_range", "%y : f32[2,3] = softmax(%x) {axis=99}"),
    ("reduce_axes_range", "%y : f32[2] = reduce_sum(%x) {axes=[5]}"),
    ("reduce_axes_repeat", "%y : f32[2] = reduce_sum(%x) {axes=[1,1,-1]}"),
    ("split_sizes_bad", "%a : f32[2,1], %b : f32[2,1] = split(%x) {axis=1, sizes=[1,9223372036854775807]}"),
    ("split_sizes_negative", "%a : f32[2,4], %b : f32[2,-1] = split(%x) {axis=1, sizes=[4,-1]}"),
    ("expand_huge", "%y : f32[2,3] = expand(%x) {shape=[4611686018427387904,3]}"),
    ("gather_axis_range", "%i : i64[1] = constant {ivalue=[0]}\n  %y : f32[2,3] = gather(%x, %i) {axis=7}"),
    ("attr_wrong_kind", "%y : f32[2,3] = softmax(%x) {axis=\"one\"}"),
    ("attr_unknown", "%y : f32[2,3] = relu(%x) {alpha=1}"),
    ("attr_duplicate", "%y : f32[2,3] = softmax(%x) {axis=1, axis=1}"),
    ("attr_int_overflow", "%y : f32[2,3] = softmax(%x) {axis=99999999999999999999}"),
    ("attr_float_overflow", "%y : f32[2,3] = leaky_relu(%x) {alpha=1e999}"),
    ("attr_list_mixed", "%y : f32[2,3] = reshape(%x) {shape=[2, \"3\"]}"),
    ("arity_too_many", "%y : f32[2,3] = relu(%x, %x, %x)"),
    ("arity_too_few", "%y : f32[2,3] = add(%x)"),
    ("unknown_op", "%y : f32[2,3] = frobnicate(%x)"),
    ("matmul_mismatch", "%y : f32[2,2] = matmul(%x, %x)"),
    ("add_no_broadcast", "%z : f32[4] = constant {value=[1.0,2.0,3.0,4.0]}\n  %y : f32[2,3] = add(%x, %z)"),
]:
    put(name + ".graph", graph(x23 + "  " + line + "\n  output %y\n"))
put("deep_brackets.graph", graph(x23 + "  %y : f32[6] = reshape(%x) {shape=" + "[" * 100000 + "6"
                                 + "]" * 100000 + "}\n  output %y\n"), large=True)
put("long_list.graph", graph(x23 + "  %y : f32[6] = reshape(%x) {shape=[" + ",".join(["1"] * 200000)
                             + "]}\n  output %y\n"), large=True)

# --- not a .graph at all ------------------------------------------------------------------------
rng = random.Random(7)
put("empty.graph", "")
put("only_whitespace.graph", " \t\n\r\n   \n")
put("only_comment.graph", "# nothing but a comment\n# and another")
put("graph_keyword_only.graph", "graph")
put("graph_prefix_random.graph", b"graph " + bytes(rng.randrange(256) for _ in range(3000)))
for i, n in enumerate([1, 7, 64, 777, 4096]):
    put(f"random_{i}.bin", bytes(rng.randrange(256) for _ in range(n)))
put("random_text.graph", "".join(rng.choice("graph{}[]()%:=,\"\\ \n#abcf32i64input output weights0123456789-.e")
                                 for _ in range(20000)), large=True)
put("elf_magic_garbage.so", b"\x7fELF\x02\x01\x01" + bytes(rng.randrange(256) for _ in range(500)))
put("elf_header_huge_offsets.so", b"\x7fELF\x02\x01\x01\x00" + bytes(8) + struct.pack("<HHIQQQIHHHHHH",
    3, 62, 1, 0, 0xFFFFFFFFFFFFFF00, 0xFFFFFFFFFFFFFF00, 0, 64, 56, 0xFFFF, 64, 0xFFFF, 0))
put("onnx_random.onnx", bytes(rng.randrange(256) for _ in range(2000)))
put("onnx_empty.onnx", b"")
# A ModelProto whose graph nests node -> attribute -> graph -> node ... very deep:
# the importer must refuse it rather than recurse until the stack overflows.
def ld(field, payload):  # a length-delimited protobuf field
    key = bytes([(field << 3) | 2])
    n, v = len(payload), b""
    while True:
        b = n & 0x7F
        n >>= 7
        v += bytes([b | (0x80 if n else 0)])
        if not n:
            return key + v + payload
inner = b""
for _ in range(5000):
    inner = ld(1, ld(5, ld(6, inner)))  # GraphProto.node -> NodeProto.attribute -> AttributeProto.g
put("onnx_deep_nesting.onnx", b"\x08\x07" + ld(7, inner), large=True)  # ir_version 7, ModelProto.graph
put("long_name.graph", graph("  input %" + "x" * 3000000 + " : f32[2]\n  output %x\n"), large=True)
put("long_comment_line.graph", "#" * 5000000 + "\n" + graph("  input %x : f32[2]\n  output %y\n"), large=True)
put("many_inputs.graph", graph("".join(f"  input %i{k} : f32[1]\n" for k in range(100000)) + "  output %zz\n"),
    large=True)
put("onnx_huge_length.onnx", b"\x08\x07\x3a\xff\xff\xff\xff\x0f")  # graph of length 2^32-1, then nothing

# --- .npy inputs (run with examples/mlp.graph, input x: f32[8,64]) -----------------------------
def npy(header, data=b"", major=1):
    h = header.encode("latin-1")
    pre = b"\x93NUMPY" + bytes([major, 0])
    pre += struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return pre + h + data
good = "{'descr': '<f4', 'fortran_order': False, 'shape': (8, 64), }"
put("npy_bad_magic.npy", b"\x93NUMPZ\x01\x00" + b"\x00" * 100)
put("npy_truncated_header.npy", npy(good)[:30])
put("npy_header_len_past_end.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'")
put("npy_v2_huge_header_len.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\xff{}")
put("npy_version_9.npy", npy(good).replace(b"\x01\x00", b"\x09\x00", 1))
put("npy_data_short.npy", npy(good, bytes(100)))
put("npy_data_long.npy", npy(good, bytes(8 * 64 * 4 + 1)))
put("npy_huge_shape.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 2), }"))
put("npy_shape_overflow.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': "
                                  "(4294967296, 4294967296, 4294967296), }"))
put("npy_shape_digits.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (" + "9" * 400 + ",), }"))
put("npy_negative_shape.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 64), }"))
put("npy_rank_20.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (" + "1, " * 20 + "), }", bytes(4)))
put("npy_zero_and_huge.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': "
                                 "(0, 9223372036854775807, 9223372036854775807), }"))
put("npy_f64.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (8, 64), }", bytes(8 * 64 * 8)))
put("npy_structured.npy", npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (8, 64), }"))
put("npy_fortran.npy", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (8, 64), }", bytes(8 * 64 * 4)))
put("npy_nul_in_header.npy", npy("{'descr': '<f4\x00', 'fortran_order': False, 'shape': (8, 64), }"))
put("npy_not_a_dict.npy", npy("[1, 2, 3]"))
put("npy_unterminated.npy", npy("{'descr': '<f4, 'fortran_order': False"))
put("npy_wrong_shape.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (64, 8), }", bytes(8 * 64 * 4)))
put("npy_wrong_dtype.npy", npy("{'descr': '<i4', 'fortran_order': False, 'shape': (8, 64), }", bytes(8 * 64 * 4)))
put("npy_empty.npy", b"")

# --- ONNX models that are well-formed protobuf but hostile ----------------------------------------
# Written with the onnx package when it is installed (the bytes are kept in the tree, so
# running the corpus needs no onnx).
try:
    import onnx
    from onnx import TensorProto, helper
except ImportError:
    onnx = None

if onnx is not None and LARGE_DIR is None:
    def model(nodes, inputs, outputs, inits=(), opset=13, name="hostile"):
        g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8
        return m.SerializeToString()

    def vi(name, dims, dtype=TensorProto.FLOAT):
        return helper.make_tensor_value_info(name, dtype, dims)

    def raw_tensor(name, dims, raw, dtype=TensorProto.FLOAT):
        t = TensorProto()
        t.name, t.data_type, t.raw_data = name, dtype, raw
        t.dims.extend(dims)
        return t

    x, y = [vi("x", [2, 3])], [vi("y", [2, 3])]
    relu = [helper.make_node("Relu", ["x"], ["y"])]
    put("onnx_cycle.onnx", model([helper.make_node("Add", ["x", "b"], ["a"]), helper.make_node("Relu", ["a"], ["b"]),
                                  helper.make_node("Relu", ["b"], ["y"])], x, y))
    put("onnx_undefined_input.onnx", model([helper.make_node("Add", ["x", "nowhere"], ["y"])], x, y))
    put("onnx_duplicate_output.onnx", model([helper.make_node("Relu", ["x"], ["y"]),
                                             helper.make_node("Neg", ["x"], ["y"])], x, y))
    put("onnx_unknown_ops.onnx", model([helper.make_node("Frobnicate", ["x"], ["a"], name="f1"),
                                        helper.make_node("Zorblax", ["a"], ["y"], name="z1")], x, y))
    put("onnx_opset_future.onnx", model(relu, x, y, opset=99999))
    put("onnx_input_dim_huge.onnx", model(relu, [vi("x", [2 ** 62, 3])], [vi("y", [2 ** 62, 3])]))
    put("onnx_input_dim_negative.onnx", model(relu, [vi("x", [-7, 3])], y))
    put("onnx_tensor_huge_dims.onnx", model([helper.make_node("Add", ["x", "w"], ["y"])], x, y,
                                            [raw_tensor("w", [2 ** 40, 2 ** 40], b"\0\0\0\0")]))
    put("onnx_tensor_negative_dims.onnx", model([helper.make_node("Add", ["x", "w"], ["y"])], x, y,
                                                [raw_tensor("w", [-1, 3], b"\0" * 12)]))
    put("onnx_raw_data_short.onnx", model([helper.make_node("Add", ["x", "w"], ["y"])], x, y,
                                          [raw_tensor("w", [2, 3], b"\0" * 8)]))
    put("onnx_string_tensor.onnx", model([helper.make_node("Add", ["x", "w"], ["y"])], x, y,
                                         [helper.make_tensor("w", TensorProto.STRING, [1], [b"evil"])]))
    ext = raw_tensor("w", [2, 3], b"")
    ext.data_location = TensorProto.EXTERNAL
    for k, v in [("location", "../../../../../../etc/passwd"), ("offset", "0"), ("length", "24")]:
        e = ext.external_data.add()
        e.key, e.value = k, v
    put("onnx_external_traversal.onnx", model([helper.make_node("Add", ["x", "w"], ["y"])], x, y, [ext]))
    ext2 = raw_tensor("w", [2, 3], b"")
    ext2.data_location = TensorProto.EXTERNAL
    for k, v in [("location", "/dev/zero"), ("offset", "18446744073709551615"), ("length", "24")]:
        e = ext2.external_data.add()
        e.key, e.value = k, v
    put("onnx_external_absolute.onnx", model([helper.make_node("Add", ["x", "w"], ["y"])], x, y, [ext2]))
    shape = helper.make_tensor("s", TensorProto.INT64, [2], [2 ** 62, 4])
    put("onnx_reshape_huge.onnx", model([helper.make_node("Reshape", ["x", "s"], ["y"])], x, [vi("y", None)],
                                        [shape]))
    put("onnx_conv_bad_attrs.onnx", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], strides=[2 ** 62, 1], pads=[-3, -3, -3, -3], group=0)],
        [vi("x", [1, 3, 8, 8])], [vi("y", None)], [raw_tensor("w", [4, 3, 3, 3], b"\0" * 432)]))
    gidx = helper.make_tensor("i", TensorProto.INT64, [2], [0, 2 ** 40])
    put("onnx_gather_out_of_range.onnx", model([helper.make_node("Gather", ["x", "i"], ["y"], axis=0)], x,
                                               [vi("y", None)], [gidx]))
    body = helper.make_graph([helper.make_node("Relu", ["x"], ["z"])], "body", [], [vi("z", [2, 3])])
    cond = helper.make_tensor("c", TensorProto.BOOL, [], [True])
    put("onnx_if_subgraph.onnx", model([helper.make_node("If", ["c"], ["y"], then_branch=body, else_branch=body)],
                                       x, y, [cond]))
    put("onnx_no_graph.onnx", b"\x08\x07")  # ir_version only
