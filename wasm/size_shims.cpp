// wasm/size_shims.cpp — small replacements for three libc entry points, WebAssembly build only.
//
// Why: in the WASM build every byte ships to the browser. nlohmann/json reaches musl's
// strtod (number parsing) and snprintf (escapes in dump() and in parse-error messages).
// musl implements both on 128-bit long double, which WebAssembly emulates in software
// (__multf3, __divtf3, __addtf3, fmodl, scalbnl, ...), and snprintf pulls in all of
// printf_core. Together that is ~20 KB of code for a core whose numbers are integers
// and whose only float is `throttle.sample_percent`. Defining the symbols here makes the
// static link take these instead of musl's objects (see docs/wasm.md, "Where the bytes go").
//
// What they do:
//  * strtod/strtof/strtold: parse a decimal number (the JSON number grammar, with an
//    optional leading '+'; no "inf", "nan" or hex floats — nlohmann only hands over tokens
//    it has already checked against the JSON grammar). Exactly rounded whenever the decimal significand has
//    at most 19 digits and the value is reachable by Clinger's fast path (significand
//    <= 2^53 and |power of ten| <= 22, e.g. 12.5, 0.1, 99.99, 1e-5); otherwise within a
//    few units in the last place. The native build keeps glibc's correctly rounded strtod.
//  * snprintf/vsnprintf: integer, character and string conversions (%d %i %u %x %X %o %c
//    %s %p %%, flags "-0+ #", width, precision, '*', length modifiers hh h l ll z j t).
//    Floating-point conversions print "?" (nothing in this build uses them: nlohmann
//    formats doubles with its own Grisu2 code, the core's own writer has no floats).
//
// The core itself (core/src) is untouched and never calls these directly.
#include <cmath>
#include <cstdarg>
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

struct Out {
  char* buf;
  size_t cap;
  size_t len = 0;
  void put(char c) {
    if (len + 1 < cap) buf[len] = c;
    ++len;
  }
  void pad(char c, int n) {
    for (; n > 0; --n) put(c);
  }
};

}  // namespace

extern "C" {

double strtod(const char* s, char** end) { return parse_decimal(s, end); }
float strtof(const char* s, char** end) { return static_cast<float>(parse_decimal(s, end)); }
long double strtold(const char* s, char** end) { return parse_decimal(s, end); }

int vsnprintf(char* buf, size_t cap, const char* fmt, va_list ap) {
  Out out{buf, cap};
  for (const char* f = fmt; *f; ++f) {
    if (*f != '%') {
      out.put(*f);
      continue;
    }
    ++f;
    bool left = false, zero = false, plus = false, space = false, alt = false;
    for (;; ++f) {
      if (*f == '-') left = true;
      else if (*f == '0') zero = true;
      else if (*f == '+') plus = true;
      else if (*f == ' ') space = true;
      else if (*f == '#') alt = true;
      else break;
    }
    int width = 0;
    if (*f == '*') {
      width = va_arg(ap, int);
      if (width < 0) {
        left = true;
        width = -width;
      }
      ++f;
    } else {
      for (; *f >= '0' && *f <= '9'; ++f) width = width * 10 + (*f - '0');
    }
    int prec = -1;
    if (*f == '.') {
      ++f;
      prec = 0;
      if (*f == '*') {
        prec = va_arg(ap, int);
        ++f;
      } else {
        for (; *f >= '0' && *f <= '9'; ++f) prec = prec * 10 + (*f - '0');
      }
    }
    int longs = 0, shorts = 0;
    for (;; ++f) {
      if (*f == 'l') ++longs;
      else if (*f == 'h') ++shorts;
      else if (*f == 'z' || *f == 'j' || *f == 't') longs = 2;
      else if (*f == 'L') longs = 3;
      else break;
    }
    const char c = *f;
    if (c == '\0') break;
    if (c == '%') {
      out.put('%');
      continue;
    }
    if (c == 'c') {
      int n = width - 1;
      if (!left) out.pad(' ', n);
      out.put(static_cast<char>(va_arg(ap, int)));
      if (left) out.pad(' ', n);
      continue;
    }
    if (c == 's') {
      const char* s = va_arg(ap, const char*);
      if (!s) s = "(null)";
      int n = 0;
      while (s[n] && (prec < 0 || n < prec)) ++n;
      if (!left) out.pad(' ', width - n);
      for (int i = 0; i < n; ++i) out.put(s[i]);
      if (left) out.pad(' ', width - n);
      continue;
    }
    if (c == 'e' || c == 'E' || c == 'f' || c == 'F' || c == 'g' || c == 'G' || c == 'a' ||
        c == 'A') {
      if (longs == 3) {
        (void)va_arg(ap, long double);
      } else {
        (void)va_arg(ap, double);
      }
      out.put('?');  // not supported in this build (see the header comment)
      continue;
    }
    // Integer conversions.
    uint64_t u = 0;
    bool neg = false;
    unsigned base = 10;
    bool upper = false;
    if (c == 'd' || c == 'i') {
      int64_t v = longs >= 2 ? va_arg(ap, long long) : longs == 1 ? va_arg(ap, long) : va_arg(ap, int);
      if (shorts == 1) v = static_cast<short>(v);
      if (shorts >= 2) v = static_cast<signed char>(v);
      neg = v < 0;
      u = neg ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    } else if (c == 'u' || c == 'x' || c == 'X' || c == 'o' || c == 'p') {
      if (c == 'p') {
        u = reinterpret_cast<uintptr_t>(va_arg(ap, void*));
        alt = true;
      } else {
        u = longs >= 2 ? va_arg(ap, unsigned long long)
            : longs == 1 ? va_arg(ap, unsigned long)
                         : va_arg(ap, unsigned int);
        if (shorts == 1) u = static_cast<unsigned short>(u);
        if (shorts >= 2) u = static_cast<unsigned char>(u);
      }
      base = (c == 'o') ? 8 : (c == 'u') ? 10 : 16;
      upper = c == 'X';
    } else {
      out.put('?');  // unknown conversion
      continue;
    }
    char digits[24];
    int nd = 0;
    const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    while (u != 0) {
      digits[nd++] = hex[u % base];
      u /= base;
    }
    if (prec < 0 && nd == 0) digits[nd++] = '0';
    int zeros = prec > nd ? prec - nd : 0;
    char sign = neg ? '-' : plus ? '+' : space ? ' ' : 0;
    const char* prefix = (alt && base == 16 && nd > 0) ? (upper ? "0X" : "0x") : "";
    int plen = (sign ? 1 : 0) + (prefix[0] ? 2 : 0);
    int total = plen + zeros + nd;
    if (zero && !left && prec < 0 && width > total) {
      zeros += width - total;
      total = width;
    }
    if (!left) out.pad(' ', width - total);
    if (sign) out.put(sign);
    for (const char* q = prefix; *q; ++q) out.put(*q);
    out.pad('0', zeros);
    while (nd > 0) out.put(digits[--nd]);
    if (left) out.pad(' ', width - total);
  }
  if (cap > 0) buf[out.len < cap ? out.len : cap - 1] = '\0';
  return static_cast<int>(out.len);
}

int snprintf(char* buf, size_t cap, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}

}  // extern "C"

// ---- memcpy / memmove / memset: WebAssembly bulk memory ------------------------------------
//
// Emscripten's size-optimised libc copies byte by byte; building views and results is mostly
// copying, so memcpy was ~14 % of a dispatch. With bulk memory (every browser since 2021,
// Node >= 12.5) each call is one memory.copy / memory.fill instruction: faster and smaller.
// This file is compiled with -mbulk-memory (see wasm/CMakeLists.txt).
extern "C" {

void* memcpy(void* __restrict dest, const void* __restrict src, size_t n) {
  __builtin_memcpy(dest, src, n);  // memory.copy
  return dest;
}

void* memmove(void* dest, const void* src, size_t n) {
  __builtin_memmove(dest, src, n);  // memory.copy handles overlap
  return dest;
}

void* memset(void* dest, int c, size_t n) {
  __builtin_memset(dest, c, n);  // memory.fill
  return dest;
}

}  // extern "C"
