#!/usr/bin/env bash
# setup.sh — installs what inductc needs on Debian 12 (only the packages that
# are missing; apt-get update only then), configures and builds it in ./build.
#
#     tools/setup.sh            # from anywhere; builds <repo>/build
#     tools/setup.sh --bench    # also what bench/run needs: PyTorch, torchvision,
#                               # matplotlib, OpenBLAS (OpenMP), ONNX Runtime (npm)
#
# Uses sudo for apt-get only when not already root. With CI=true the build
# treats warnings as errors (-DIC_WERROR=ON). BUILD_TYPE overrides the CMake
# build type (default RelWithDebInfo).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PACKAGES=(build-essential cmake pkg-config libdnnl-dev libsleef-dev libxxhash-dev libcmocka-dev python3-numpy
          libprotobuf-c-dev protobuf-c-compiler libonnx-dev libonnx-testdata python3-onnx  # ONNX front end and its tests
          clang libclang-rt-14-dev)                                                      # fuzz targets (tools/ci_extra.sh)
BENCH=0
for arg in "$@"; do
    case $arg in
        --bench) BENCH=1 ;;
        *) echo "usage: tools/setup.sh [--bench]" >&2; exit 2 ;;
    esac
done
# The benchmark harness (bench/run): libopenblas0-openmp so that PyTorch's BLAS
# is OpenBLAS, not the reference BLAS; npm only where node has none of its own.
if ((BENCH)); then
    PACKAGES+=(python3-torch python3-torchvision python3-matplotlib libopenblas0-openmp)
    command -v npm > /dev/null || PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    SUDO=
    if [[ $(id -u) != 0 ]]; then
        command -v sudo > /dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
        SUDO=sudo
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

werror=OFF
[[ ${CI:-} == true ]] && werror=ON
cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DIC_WERROR=$werror
cmake --build "$ROOT/build" -j2
if ((BENCH)); then
    (cd "$ROOT/bench/ort" && npm install --ignore-scripts --no-package-lock --no-audit --no-fund)
fi
