#!/usr/bin/env bash
# Writes the seed corpus of one fuzz target into OUT_DIR (docs/fuzzing.md):
#   tf_checkpoint_fuzzer  the interop fixtures' bundles and one mlrun saves
#   hdf5_fuzzer           the interop fixtures' Keras files and one mlrun saves
#   keras_archive_fuzzer  the interop fixtures' .keras archives
#   onnx_fuzzer           mlrun's export of the model it saves, and an empty file
#   tfjs_fuzzer           model.json, a NUL and its shard: mlrun's export, a quantized one, empty
#   keras_json_fuzzer     the model_config and training_config attributes of
#                         the fixtures' Keras files and of one mlrun saves, and
#                         the .keras archives' config.json
#   idx_fuzzer            small IDX image/label pairs of every type, raw and gzip
#   npy_fuzzer            small .npy files of every element type and rank, and
#                         hostile headers
#   experiment_fuzzer     the repository's configs/*.yaml
#   checkpoint_state_fuzzer  the interop fixtures' state files and hostile path lists
# Inputs holding two files are a little-endian u32 length, the first
# file, then the second (scratch_dir.hpp's split_two).
#
# usage: tests/fuzz/make_seeds.sh TARGET OUT_DIR MAX_LEN
#   MLRUN_SOURCE_DIR  the repository (fixtures are ../shared/fixtures/interop from it;
#                     without them the targets are seeded from what the build makes)
#   MLRUN_BINARY_DIR  the main build, whose bin/mlrun saves the mlrun checkpoints
set -euo pipefail

target=$1
out=$2
max_len=$3
fixtures=${MLRUN_SOURCE_DIR:?MLRUN_SOURCE_DIR not set}/../shared/fixtures/interop
mkdir -p "$out"

die() {
    echo "make_seeds.sh: $*" >&2
    exit 1
}

# Writes each argument (0-255) as one byte.
bytes() {
    local b
    for b in "$@"; do printf "\\$(printf %03o "$b")"; done
}
u32le() { bytes $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
u32be() { bytes $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
size_of() { stat -c %s "$1"; }

# Two files as one input.
pair() {
    u32le "$(size_of "$1")"
    cat "$1" "$2"
}

# The fixtures are optional: a clone without ../shared seeds from what this
# build makes alone, and says so.
have_fixtures() {
    [[ -d $fixtures ]] && return 0
    echo "make_seeds.sh: fixture directory $fixtures not found: seeding $target without the fixtures" >&2
    return 1
}

# A tiny model trained one epoch by the main build's mlrun on IDX data made
# here, saved as a TensorFlow checkpoint and as a Keras file.
mlrun_saved() {
    local dir=$1 mlrun=${MLRUN_BINARY_DIR:?MLRUN_BINARY_DIR not set}/bin/mlrun
    [[ -x $mlrun ]] || die "$mlrun not found: build the main tree first"
    mkdir -p "$dir/data"
    local name
    for name in train t10k; do
        { bytes 0 0 8 3; u32be 8; u32be 2; u32be 2; for i in $(seq 32); do bytes $((i * 7 % 256)); done; } \
            >"$dir/data/$name-images-idx3-ubyte"
        { bytes 0 0 8 1; u32be 8; bytes 0 1 2 0 1 2 0 1; } >"$dir/data/$name-labels-idx1-ubyte"
    done
    cat >"$dir/experiment.yaml" <<YAML
mlrun: 1
data: {dataset: idx, path: $dir/data, flatten: true}
model:
  - Dense: {units: 3, activation: relu, input_shape: [4]}
  - Dense: {units: 3, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
fit: {epochs: 1, batch_size: 4}
checkpoint: {path: $dir/cp.ckpt, every: 1 epoch}
save: {path: $dir/model.h5}
YAML
    "$mlrun" "$dir/experiment.yaml" >"$dir/log" 2>&1 || { cat "$dir/log" >&2; die "mlrun could not save the seed checkpoints"; }
}

tf_checkpoint_seeds() {
    local index data n=0 scratch
    if have_fixtures; then
        while IFS= read -r index; do
            data=${index%.index}.data-00000-of-00001
            n=$((n + 1))
            # Index only when the pair would exceed MAX_LEN: the reader must
            # reject the missing tensor bytes clearly.
            if [[ -f $data ]] && (($(size_of "$index") + $(size_of "$data") + 4 <= max_len)); then
                pair "$index" "$data" >"$out/fixture-$n"
            else
                pair "$index" /dev/null >"$out/fixture-$n"
            fi
        done < <(find "$fixtures" -name '*.index' | sort)
    fi
    scratch=$(mktemp -d)
    mlrun_saved "$scratch"
    pair "$scratch/cp.ckpt.index" "$scratch/cp.ckpt.data-00000-of-00001" >"$out/mlrun-saved"
    rm -rf "$scratch"
}

hdf5_seeds() {
    local file n=0 scratch
    if have_fixtures; then
        while IFS= read -r file; do
            n=$((n + 1))
            cp "$file" "$out/fixture-$n"
        done < <(find "$fixtures" \( -name '*.h5' -o -name '*.keras' \) -size -$((max_len + 1))c | sort)
    fi
    scratch=$(mktemp -d)
    mlrun_saved "$scratch"
    cp "$scratch/model.h5" "$out/mlrun-saved"
    rm -rf "$scratch"
}

keras_archive_seeds() {
    local file n=0
    if have_fixtures; then
        while IFS= read -r file; do
            n=$((n + 1))
            cp "$file" "$out/fixture-$n"
        done < <(find "$fixtures" -name '*.keras' -size -$((max_len + 1))c | sort)
    fi
    # An archive with the members Keras 3 writes, so the zip reader and its
    # member checks are reached without the fixtures too.
    python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("metadata.json", "{\"keras_version\": \"3.0.0\"}")
    z.writestr("config.json", "{\"class_name\": \"Sequential\", \"config\": {\"layers\": []}}")
    z.writestr("model.weights.h5", b"")' "$out/minimal-archive"
}

# The text of a string attribute of the root group (h5dump -y prints it
# between quotes, unescaped).
root_attribute() {
    h5dump -A -a "/$2" -y -w0 "$1" 2>/dev/null |
        python3 -c 'import re, sys; m = re.search(r"DATA \{\s*\"(.*)\"\s*\}\s*\}", sys.stdin.read(), re.S); sys.stdout.write(m.group(1) if m else "")'
}

keras_json_seeds() {
    local file attribute n=0 scratch
    scratch=$(mktemp -d)
    mlrun_saved "$scratch"
    while IFS= read -r file; do
        for attribute in model_config training_config; do
            n=$((n + 1))
            root_attribute "$file" "$attribute" >"$out/attribute-$n" || true
            [ -s "$out/attribute-$n" ] || rm -f "$out/attribute-$n"
        done
    done < <({ if have_fixtures; then find "$fixtures" -name '*.h5' | sort; fi; echo "$scratch/model.h5"; })
    if have_fixtures; then
        while IFS= read -r file; do
            n=$((n + 1))
            python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("config.json"))' "$file" >"$out/config-$n"
        done < <(find "$fixtures" -name '*.keras' | sort)
    fi
    rm -rf "$scratch"
}

onnx_seeds() {
    local scratch
    scratch=$(mktemp -d)
    mlrun_saved "$scratch"
    "$MLRUN_BINARY_DIR/bin/mlrun" convert "$scratch/model.h5" "$scratch/model.onnx" >"$scratch/log" 2>&1 ||
        { cat "$scratch/log" >&2; die "mlrun could not export the seed model to ONNX"; }
    cp "$scratch/model.onnx" "$out/mlrun-export"
    : >"$out/empty"
    rm -rf "$scratch"
}

# model.json, a NUL, then the one shard: mlrun's export (a small shard
# size would split it, so the seed model gets one), and TF.js's own layout.
tfjs_seeds() {
    local scratch
    scratch=$(mktemp -d)
    mlrun_saved "$scratch"
    "$MLRUN_BINARY_DIR/bin/mlrun" convert "$scratch/model.h5" "$scratch/web/" --format-option shard_size=1000000000 \
        >"$scratch/log" 2>&1 || { cat "$scratch/log" >&2; die "mlrun could not export the seed model to TF.js"; }
    { cat "$scratch/web/model.json"; printf '\0'; cat "$scratch/web/group1-shard1of1.bin"; } >"$out/mlrun-export"
    printf '{"format":"layers-model","modelTopology":{"class_name":"Sequential","config":{"layers":[]}},"weightsManifest":[{"paths":["./group1-shard1of1.bin"],"weights":[{"name":"d/kernel","shape":[2,1],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.1,"min":-1}}]}]}\0\x01\x02' >"$out/quantized"
    : >"$out/empty"
    rm -rf "$scratch"
}

idx_seeds() {
    local scratch
    scratch=$(mktemp -d)
    # u8 images 3x2x2 with u8 labels
    { bytes 0 0 8 3; u32be 3; u32be 2; u32be 2; bytes 0 64 128 255 1 2 3 4 9 8 7 6; } >"$scratch/u8-images"
    { bytes 0 0 8 1; u32be 3; bytes 0 1 9; } >"$scratch/u8-labels"
    # f32 images 2x3 with i32 labels
    { bytes 0 0 13 2; u32be 2; u32be 3; for _ in 1 2 3 4 5 6; do bytes 63 128 0 0; done; } >"$scratch/f32-images"
    { bytes 0 0 12 1; u32be 2; u32be 1; u32be 0; } >"$scratch/i32-labels"
    # f64 images 2x1x1 with i16 labels
    { bytes 0 0 14 3; u32be 2; u32be 1; u32be 1; bytes 63 240 0 0 0 0 0 0 64 0 0 0 0 0 0 0; } >"$scratch/f64-images"
    { bytes 0 0 11 1; u32be 2; bytes 0 2 0 3; } >"$scratch/i16-labels"
    # i8 images 1x4 with f32 labels
    { bytes 0 0 9 2; u32be 1; u32be 4; bytes 255 1 128 127; } >"$scratch/i8-images"
    { bytes 0 0 13 1; u32be 1; bytes 64 64 0 0; } >"$scratch/f32-labels"
    pair "$scratch/u8-images" "$scratch/u8-labels" >"$out/u8"
    pair "$scratch/f32-images" "$scratch/i32-labels" >"$out/f32-i32"
    pair "$scratch/f64-images" "$scratch/i16-labels" >"$out/f64-i16"
    pair "$scratch/i8-images" "$scratch/f32-labels" >"$out/i8-f32"
    gzip -n -k "$scratch/u8-images" "$scratch/u8-labels" "$scratch/f32-images"
    pair "$scratch/u8-images.gz" "$scratch/u8-labels.gz" >"$out/u8-gzip"
    pair "$scratch/f32-images.gz" "$scratch/i32-labels" >"$out/f32-gzip-i32"
    rm -rf "$scratch"
}

npy_seeds() {
    python3 - "$out" <<'PY'
import struct, sys
out = sys.argv[1]
def npy(name, descr, shape, data, major=1, header=None):
    if header is None:
        dims = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
        header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, dims)
    prefix = 10 if major == 1 else 12
    header += " " * ((64 - (prefix + len(header) + 1) % 64) % 64) + "\n"
    length = struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header))
    with open(out + "/" + name, "wb") as f:
        f.write(b"\x93NUMPY" + bytes([major, 0]) + length + header.encode("latin-1") + data)
npy("f4-2x3", "<f4", (2, 3), struct.pack("<6f", 0, 1, -2.5, 3, 1e-3, 255))
npy("f8-3", "<f8", (3,), struct.pack("<3d", 0.5, -1, 1e10))
npy("u1-2x2x2", "|u1", (2, 2, 2), bytes(range(8)))
npy("i1-4", "|i1", (4,), struct.pack("<4b", -128, -1, 0, 127))
npy("i4-2x1", "<i4", (2, 1), struct.pack("<2i", -7, 2**31 - 1))
npy("i8-1x2", "<i8", (1, 2), struct.pack("<2q", -2**63, 2**62))
npy("b1-scalar", "|b1", (), b"\x01")
npy("f4-empty", "<f4", (0, 5), b"")
npy("f4-v2", "<f4", (2,), struct.pack("<2f", 1, 2), major=2)
npy("f4-v3", "<f4", (1,), struct.pack("<f", 7), major=3)
npy("huge-shape", "<f4", (2**62, 4), b"")
npy("zero-and-huge", "<f4", (0, 2**62, 2**62), b"")
npy("junk-dims", "<f4", None, b"", header="{'descr': '<f4', 'fortran_order': False, 'shape': (x, -1, 99999999999999999999), }")
npy("unclosed", "<f4", None, b"", header="{'descr': '<f4, 'fortran_order': False, 'shape': (3")
npy("f8-overflow", "<f8", (2,), struct.pack("<2d", 1e300, float("nan")))
PY
}

experiment_seeds() {
    cp "$MLRUN_SOURCE_DIR"/configs/*.yaml "$out/"
}

checkpoint_state_seeds() {
    local n=0
    if have_fixtures; then
        for state in "$fixtures"/*/checkpoint "$fixtures"/*/*/checkpoint; do
            [[ -f $state ]] && cp "$state" "$out/fixture-$((n += 1))"
        done
    fi
    printf 'model_checkpoint_path: "cp-0002.ckpt"\nall_model_checkpoint_paths: "../x"\nall_model_checkpoint_paths: "/etc/x"\nall_model_checkpoint_paths: "cp-0002.ckpt"\nall_model_checkpoint_timestamps: 1.5\nlast_preserved_timestamp: 1e9\n' >"$out/hostile"
    printf 'model_checkpoint_path: "a\\057b\\x2e\\x2e"\nall_model_checkpoint_paths: \x27q\\"\x27\n' >"$out/escapes"
}

case $target in
    tf_checkpoint_fuzzer) tf_checkpoint_seeds ;;
    hdf5_fuzzer) hdf5_seeds ;;
    keras_archive_fuzzer) keras_archive_seeds ;;
    keras_json_fuzzer) keras_json_seeds ;;
    onnx_fuzzer) onnx_seeds ;;
    tfjs_fuzzer) tfjs_seeds ;;
    idx_fuzzer) idx_seeds ;;
    npy_fuzzer) npy_seeds ;;
    experiment_fuzzer) experiment_seeds ;;
    checkpoint_state_fuzzer) checkpoint_state_seeds ;;
    *) die "unknown target '$target'" ;;
esac
echo "make_seeds.sh: $(find "$out" -type f | wc -l) seeds for $target in $out"
