// Which of sixteen floats are non-zero, as the bits of an integer: the one step of scanning
// spikes that Swift's SIMD types cannot express in a few instructions (a compare and a
// sign-bit gather, `movmskps`). Header-only and `static inline`, so that Swift inlines it
// into the scan loops, compiled for the same CPU as the Swift code around it.
#ifndef MYELIN_SPIKE_MASK_H
#define MYELIN_SPIKE_MASK_H

#include <stdint.h>
#if defined(__AVX__) || defined(__SSE2__)
#include <immintrin.h>
#endif

/// Bit l set where p[l] != 0 (NaN included, -0 not), for l in 0..<16. p need not be aligned.
static inline uint32_t myelin_nonzero_mask16(const float *p) {
#if defined(__AVX__)
  const __m256 zero = _mm256_setzero_ps();
  uint32_t lo = (uint32_t)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p), zero, _CMP_NEQ_UQ));
  uint32_t hi = (uint32_t)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p + 8), zero, _CMP_NEQ_UQ));
  return lo | hi << 8;
#elif defined(__SSE2__)
  const __m128 zero = _mm_setzero_ps();
  uint32_t bits = 0;
  for (int q = 0; q < 4; q++) bits |= (uint32_t)_mm_movemask_ps(_mm_cmpneq_ps(_mm_loadu_ps(p + 4 * q), zero)) << (4 * q);
  return bits;
#else
  uint32_t bits = 0;
  for (int l = 0; l < 16; l++) bits |= (uint32_t)(p[l] != 0.0f) << l;
  return bits;
#endif
}

#endif
