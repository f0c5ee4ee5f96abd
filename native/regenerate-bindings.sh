#!/bin/sh
# Regenerates the CBLAS bindings from cblas_subset.h with jextract (https://jdk.java.net/jextract),
# where it is installed. The committed Cblas.java is in the shape this produces, trimmed to one
# class and renamed; regenerate into a scratch folder and compare before replacing it.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
out=${1:-"$here/../target/jextract"}
command -v jextract >/dev/null 2>&1 || { echo "jextract is not installed; nothing regenerated" >&2; exit 1; }
mkdir -p "$out"
jextract --output "$out" \
    --target-package dev.panamax.bindings.openblas \
    --header-class-name Cblas \
    --include-function cblas_sgemm --include-function cblas_sgemv --include-function cblas_saxpy \
    --include-function cblas_sdot --include-function cblas_snrm2 --include-function cblas_sscal \
    --include-function openblas_get_config --include-function openblas_get_corename \
    --include-function openblas_set_num_threads --include-function openblas_get_num_threads \
    --include-constant CblasRowMajor --include-constant CblasColMajor \
    --include-constant CblasNoTrans --include-constant CblasTrans \
    "$here/cblas_subset.h"
echo "generated under $out/dev/panamax/bindings/openblas"
