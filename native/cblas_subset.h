/*
 * The subset of OpenBLAS's cblas.h (0.3.x, LP64: blasint is int) that Panamax binds.
 * bindings/src/main/java/dev/panamax/bindings/openblas/Cblas.java is generated from it in
 * jextract's shape; regenerate-bindings.sh regenerates it where jextract is installed.
 */
#ifndef PANAMAX_CBLAS_SUBSET_H
#define PANAMAX_CBLAS_SUBSET_H

typedef int blasint;

enum CBLAS_ORDER     { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112 };

void cblas_sgemm(const enum CBLAS_ORDER Order, const enum CBLAS_TRANSPOSE TransA, const enum CBLAS_TRANSPOSE TransB,
                 const blasint M, const blasint N, const blasint K, const float alpha, const float *A, const blasint lda,
                 const float *B, const blasint ldb, const float beta, float *C, const blasint ldc);
void cblas_sgemv(const enum CBLAS_ORDER order, const enum CBLAS_TRANSPOSE trans, const blasint m, const blasint n,
                 const float alpha, const float *a, const blasint lda, const float *x, const blasint incx,
                 const float beta, float *y, const blasint incy);
void cblas_saxpy(const blasint n, const float alpha, const float *x, const blasint incx, float *y, const blasint incy);
float cblas_sdot(const blasint n, const float *x, const blasint incx, const float *y, const blasint incy);
float cblas_snrm2(const blasint N, const float *X, const blasint incX);
void cblas_sscal(const blasint N, const float alpha, float *X, const blasint incX);

char *openblas_get_config(void);
char *openblas_get_corename(void);
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#endif
