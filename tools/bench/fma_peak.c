/* Peak fp32 FMA throughput of this machine: every thread runs independent chains of fused multiply-adds on the
 * widest vectors the compiler targets (-march=native: AVX-512 where present), enough chains to hide FMA latency.
 * Prints GFLOP/s (2 flops per lane per FMA). Build: gcc -O3 -march=native -fopenmp fma_peak.c */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SET1(x) _mm512_set1_ps(x)
#define SUM(v) _mm512_reduce_add_ps(v)
#else
typedef __m256 vec;
#define LANES 8
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define SET1(x) _mm256_set1_ps(x)
static float SUM(__m256 v) { float f[8]; _mm256_storeu_ps(f, v); float s = 0; for (int i = 0; i < 8; i++) s += f[i]; return s; }
#endif

#define CHAINS 12
#define ITERS 200000000L

int main(void) {
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        struct timespec t0, t1;
        float sink = 0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        long iters = ITERS / 10;
#pragma omp parallel reduction(+ : sink)
        {
            vec acc[CHAINS];
            vec a = SET1(0.999999f), b = SET1(1e-7f);
            for (int c = 0; c < CHAINS; c++) acc[c] = SET1((float) c);
            for (long i = 0; i < iters; i++) {
                for (int c = 0; c < CHAINS; c++) acc[c] = FMA(acc[c], a, b);
            }
            for (int c = 0; c < CHAINS; c++) sink += SUM(acc[c]);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
        double gflops = (double) iters * CHAINS * LANES * 2 * omp_get_max_threads() / s / 1e9;
        if (gflops > best) best = gflops;
        if (sink == 42.0f) printf("!");
    }
    printf("threads %d lanes %d GFLOP/s %.1f\n", omp_get_max_threads(), LANES, best);
    return 0;
}
