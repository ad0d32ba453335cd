// wasm/size_shims.cpp — a small replacement for libc's strtod, WebAssembly build only.
// It is here because a measurement showed it is needed (figures: docs/json.md,
// "Measurements"); the native build uses glibc's.
//
// The core's JSON reader (core/src/json.cpp) converts number tokens with strtod. musl
// implements it on 128-bit long double, which WebAssembly emulates in software (__multf3,
// __divtf3, __addtf3, fmodl, scalbnl, ...): musl's strtod costs 6.6 KB gzip, which puts
// WASM + glue over its 48 KB cap (53.9 KB measured). This one parses a decimal number (the
// JSON number grammar, with an optional leading '+'; no "inf", "nan" or hex floats — the
// reader only hands over tokens it has checked against the JSON grammar). Exactly rounded
// whenever the decimal significand has at most 19 digits and the value is reachable by
// Clinger's fast path (significand <= 2^53 and |power of ten| <= 22, e.g. 12.5, 0.1, 99.99,
// 1e-5); otherwise within a few units in the last place. The only float the core reads is
// `throttle.sample_percent` (and integers written as floats, e.g. 5.0). strtof and strtold
// are defined too because musl keeps all three in one object file: leaving one out would pull
// musl's in beside this strtod.
//
// Removed after measuring (2026-11-25): the snprintf/vsnprintf replacement (nothing links
// snprintf since nlohmann's parser and dump() left the WASM build) and the memcpy/memmove/
// memset replacement: the LTO link already emits memory.copy/memory.fill for copies and
// fills, so libc's memcpy is never called and the .wasm is byte for byte the same with and
// without it. That lowering needs the bulk-memory feature in the LTO modules: this file is
// compiled with -mbulk-memory (wasm/CMakeLists.txt); without it the .wasm grows by 83 B gzip
// (libc's byte-by-byte memcpy comes back). Compiling the whole core with -mbulk-memory
// instead was measured too: +144 B gzip.
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace {

// Exact powers of ten representable as doubles.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                             1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

double scale_pow10(double v, int e) {
  // Few roundings: at most one per 22 decades.
  while (e > 22) {
    v *= 1e22;
    e -= 22;
    if (std::isinf(v)) return v;
  }
  while (e < -22) {
    v /= 1e22;
    e += 22;
    if (v == 0) return v;
  }
  return e >= 0 ? v * kPow10[e] : v / kPow10[-e];
}

double parse_decimal(const char* s, char** end) {
  const char* p = s;
  bool neg = false;
  if (*p == '-' || *p == '+') {
    neg = *p == '-';
    ++p;
  }
  uint64_t mant = 0;
  int digits = 0;   // significant digits kept in mant (at most 19)
  int exp10 = 0;    // decimal exponent adjustment for dropped / fractional digits
  bool any = false;
  for (; *p >= '0' && *p <= '9'; ++p) {
    any = true;
    if (digits < 19) {
      if (mant != 0 || *p != '0') {
        mant = mant * 10 + static_cast<uint64_t>(*p - '0');
        ++digits;
      }
    } else {
      ++exp10;
    }
  }
  if (*p == '.') {
    const char* q = p + 1;
    bool frac_any = false;
    for (; *q >= '0' && *q <= '9'; ++q) {
      frac_any = true;
      if (digits < 19) {
        if (mant != 0 || *q != '0') {
          mant = mant * 10 + static_cast<uint64_t>(*q - '0');
          ++digits;
        }
        --exp10;
      }
    }
    if (frac_any || any) {
      any = true;
      p = q;
    }
  }
  if (!any) {
    if (end) *end = const_cast<char*>(s);
    return 0;
  }
  if (*p == 'e' || *p == 'E') {
    const char* q = p + 1;
    bool eneg = false;
    if (*q == '-' || *q == '+') {
      eneg = *q == '-';
      ++q;
    }
    if (*q >= '0' && *q <= '9') {
      int e = 0;
      for (; *q >= '0' && *q <= '9'; ++q) {
        if (e < 100000) e = e * 10 + (*q - '0');
      }
      exp10 += eneg ? -e : e;
      p = q;
    }
  }
  if (end) *end = const_cast<char*>(p);

  double v;
  if (mant == 0) {
    v = 0;
  } else if (mant <= (uint64_t(1) << 53) && exp10 >= -22 && exp10 <= 22) {
    // Clinger's fast path: both operands exact, one correctly rounded operation.
    v = exp10 >= 0 ? static_cast<double>(mant) * kPow10[exp10]
                   : static_cast<double>(mant) / kPow10[-exp10];
  } else if (mant <= (uint64_t(1) << 53) && exp10 > 22 && exp10 <= 22 + 15 &&
             static_cast<double>(mant) * kPow10[exp10 - 22] < 9007199254740992.0) {
    // Still exact: move the surplus decades into the significand first.
    v = static_cast<double>(mant) * kPow10[exp10 - 22] * 1e22;
  } else if (exp10 + digits > 310) {
    v = HUGE_VAL;
  } else if (exp10 + digits < -330) {
    v = 0;
  } else {
    v = scale_pow10(static_cast<double>(mant), exp10);
  }
  return neg ? -v : v;
}

}  // namespace

extern "C" {

double strtod(const char* s, char** end) { return parse_decimal(s, end); }
float strtof(const char* s, char** end) { return static_cast<float>(parse_decimal(s, end)); }
long double strtold(const char* s, char** end) { return parse_decimal(s, end); }

}  // extern "C"
