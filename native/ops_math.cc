// Element-wise math with broadcasting, comparisons, reductions, linear algebra, in-place updates.
#include "handle.h"

namespace denet {

// Binary ops whose second operand is a tensor or a JS number.
#define BINARY(name, fn)                                               \
  DENET_FN(name) {                                                     \
    if (A(1).IsExternal()) RET(at::fn(T(0), T(1)));                    \
    RET(at::fn(T(0), scalar(A(1))));                                   \
  }
BINARY(mul, mul)
BINARY(div, div)
BINARY(pow, pow)
BINARY(remainder, remainder)
BINARY(fmod, fmod)
BINARY(eq, eq)
BINARY(ne, ne)
BINARY(lt, lt)
BINARY(le, le)
BINARY(gt, gt)
BINARY(ge, ge)
#undef BINARY

DENET_FN(add) {
  auto alpha = given(A(2)) ? scalar(A(2)) : at::Scalar(1);
  if (A(1).IsExternal()) RET(at::add(T(0), T(1), alpha));
  RET(at::add(T(0), scalar(A(1)), alpha));
}
DENET_FN(sub) {
  auto alpha = given(A(2)) ? scalar(A(2)) : at::Scalar(1);
  if (A(1).IsExternal()) RET(at::sub(T(0), T(1), alpha));
  RET(at::sub(T(0), scalar(A(1)), alpha));
}
DENET_FN(rsub) { RET(at::rsub(T(0), scalar(A(1)))); }
DENET_FN(maximum) { RET(at::maximum(T(0), T(1))); }
DENET_FN(minimum) { RET(at::minimum(T(0), T(1))); }
DENET_FN(logicalAnd) { RET(at::logical_and(T(0), T(1))); }
DENET_FN(logicalOr) { RET(at::logical_or(T(0), T(1))); }
DENET_FN(atan2) { RET(at::atan2(T(0), T(1))); }
DENET_FN(clamp) { RET(at::clamp(T(0), given(A(1)) ? optional<at::Scalar>(scalar(A(1))) : nullopt, given(A(2)) ? optional<at::Scalar>(scalar(A(2))) : nullopt)); }
DENET_FN(allclose) { return Napi::Boolean::New(info.Env(), at::allclose(T(0), T(1), num(A(2)), num(A(3)))); }
DENET_FN(equal) { return Napi::Boolean::New(info.Env(), at::equal(T(0), T(1))); }

#define UNARY(name, fn) \
  DENET_FN(name) { RET(at::fn(T(0))); }
UNARY(neg, neg)
UNARY(abs, abs)
UNARY(exp, exp)
UNARY(expm1, expm1)
UNARY(log, log)
UNARY(log1p, log1p)
UNARY(log2, log2)
UNARY(sqrt, sqrt)
UNARY(rsqrt, rsqrt)
UNARY(square, square)
UNARY(sin, sin)
UNARY(cos, cos)
UNARY(sign, sign)
UNARY(floor, floor)
UNARY(ceil, ceil)
UNARY(round, round)
UNARY(trunc, trunc)
UNARY(reciprocal, reciprocal)
UNARY(erf, erf)
UNARY(logicalNot, logical_not)
UNARY(isnan, isnan)
UNARY(isinf, isinf)
UNARY(isfinite, isfinite)
#undef UNARY

// Reductions: dims is a number, an array, or null (all dims).
static bool allDims(const Napi::Value& v) { return !given(v); }
static optional<at::ScalarType> dtypeOpt(const Napi::Value& v) {
  if (!given(v)) return nullopt;
  return dtypeArg(v);
}

DENET_FN(sum) {
  if (allDims(A(1))) RET(at::sum(T(0), dtypeOpt(A(3))));
  RET(at::sum(T(0), intList(A(1)), flag(A(2)), dtypeOpt(A(3))));
}
DENET_FN(mean) {
  if (allDims(A(1))) RET(at::mean(T(0)));
  RET(at::mean(T(0), intList(A(1)), flag(A(2))));
}
DENET_FN(prod) {
  if (allDims(A(1))) RET(at::prod(T(0)));
  RET(at::prod(T(0), i64(A(1)), flag(A(2))));
}
DENET_FN(amax) { RET(at::amax(T(0), allDims(A(1)) ? std::vector<int64_t>{} : intList(A(1)), flag(A(2)))); }
DENET_FN(amin) { RET(at::amin(T(0), allDims(A(1)) ? std::vector<int64_t>{} : intList(A(1)), flag(A(2)))); }
DENET_FN(maxDim) {
  auto r = at::max(T(0), i64(A(1)), flag(A(2)));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
DENET_FN(minDim) {
  auto r = at::min(T(0), i64(A(1)), flag(A(2)));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
DENET_FN(argmax) { RET(at::argmax(T(0), intOpt(A(1)), flag(A(2)))); }
DENET_FN(argmin) { RET(at::argmin(T(0), intOpt(A(1)), flag(A(2)))); }
DENET_FN(topk) {
  auto r = at::topk(T(0), i64(A(1)), i64(A(2)), flag(A(3)), flag(A(4)));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
DENET_FN(sort) {
  auto r = at::sort(T(0), /*stable=*/flag(A(3)), i64(A(1)), flag(A(2)));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
DENET_FN(argsort) {
  auto r = at::sort(T(0), /*stable=*/true, i64(A(1)), flag(A(2)));
  RET(std::get<1>(r));
}
DENET_FN(std) {
  if (allDims(A(1))) RET(at::std(T(0), flag(A(3))));
  RET(at::std(T(0), intList(A(1)), flag(A(3)), flag(A(2))));
}
DENET_FN(var) {
  if (allDims(A(1))) RET(at::var(T(0), flag(A(3))));
  RET(at::var(T(0), intList(A(1)), flag(A(3)), flag(A(2))));
}
DENET_FN(logsumexp) { RET(at::logsumexp(T(0), intList(A(1)), flag(A(2)))); }
DENET_FN(cumsum) { RET(at::cumsum(T(0), i64(A(1)))); }
DENET_FN(cumprod) { RET(at::cumprod(T(0), i64(A(1)))); }
DENET_FN(all) { RET(at::all(T(0))); }
DENET_FN(any) { RET(at::any(T(0))); }
DENET_FN(norm) {
  if (allDims(A(2))) RET(at::norm(T(0), scalar(A(1))));
  RET(at::norm(T(0), scalar(A(1)), intList(A(2)), flag(A(3))));
}

DENET_FN(matmul) { RET(at::matmul(T(0), T(1))); }
DENET_FN(mm) { RET(at::mm(T(0), T(1))); }
DENET_FN(bmm) { RET(at::bmm(T(0), T(1))); }
DENET_FN(outer) { RET(at::outer(T(0), T(1))); }
DENET_FN(dot) { RET(at::dot(T(0), T(1))); }
DENET_FN(linear) { RET(at::linear(T(0), T(1), unwrapOpt(A(2)))); }

// In-place updates (optimisers, running statistics). They return nothing; TS returns `this`.
#define INPLACE(body)                  \
  {                                    \
    body;                              \
    return info.Env().Undefined();     \
  }
DENET_FN(add_) INPLACE(if (A(1).IsExternal()) T(0).add_(T(1), given(A(2)) ? scalar(A(2)) : at::Scalar(1)); else T(0).add_(scalar(A(1))))
DENET_FN(sub_) INPLACE(if (A(1).IsExternal()) T(0).sub_(T(1), given(A(2)) ? scalar(A(2)) : at::Scalar(1)); else T(0).sub_(scalar(A(1))))
DENET_FN(mul_) INPLACE(if (A(1).IsExternal()) T(0).mul_(T(1)); else T(0).mul_(scalar(A(1))))
DENET_FN(div_) INPLACE(if (A(1).IsExternal()) T(0).div_(T(1)); else T(0).div_(scalar(A(1))))
DENET_FN(addcmul_) INPLACE(T(0).addcmul_(T(1), T(2), scalar(A(3))))
DENET_FN(addcdiv_) INPLACE(T(0).addcdiv_(T(1), T(2), scalar(A(3))))
DENET_FN(lerp_) INPLACE(T(0).lerp_(T(1), scalar(A(2))))
DENET_FN(copy_) INPLACE(T(0).copy_(T(1)))
DENET_FN(zero_) INPLACE(T(0).zero_())
DENET_FN(fill_) INPLACE(T(0).fill_(scalar(A(1))))
DENET_FN(clamp_) INPLACE(T(0).clamp_(given(A(1)) ? optional<at::Scalar>(scalar(A(1))) : nullopt, given(A(2)) ? optional<at::Scalar>(scalar(A(2))) : nullopt))
DENET_FN(sqrt_) INPLACE(T(0).sqrt_())
DENET_FN(uniform_) INPLACE(T(0).uniform_(num(A(1)), num(A(2))))
DENET_FN(normal_) INPLACE(T(0).normal_(num(A(1)), num(A(2))))
#undef INPLACE

void initMath(Napi::Env env, Napi::Object exports) {
  DENET_EXPORT(exports, add);
  DENET_EXPORT(exports, sub);
  DENET_EXPORT(exports, rsub);
  DENET_EXPORT(exports, mul);
  DENET_EXPORT(exports, div);
  DENET_EXPORT(exports, pow);
  DENET_EXPORT(exports, remainder);
  DENET_EXPORT(exports, fmod);
  DENET_EXPORT(exports, eq);
  DENET_EXPORT(exports, ne);
  DENET_EXPORT(exports, lt);
  DENET_EXPORT(exports, le);
  DENET_EXPORT(exports, gt);
  DENET_EXPORT(exports, ge);
  DENET_EXPORT(exports, maximum);
  DENET_EXPORT(exports, minimum);
  DENET_EXPORT(exports, logicalAnd);
  DENET_EXPORT(exports, logicalOr);
  DENET_EXPORT(exports, atan2);
  DENET_EXPORT(exports, clamp);
  DENET_EXPORT(exports, allclose);
  DENET_EXPORT(exports, equal);
  DENET_EXPORT(exports, neg);
  DENET_EXPORT(exports, abs);
  DENET_EXPORT(exports, exp);
  DENET_EXPORT(exports, expm1);
  DENET_EXPORT(exports, log);
  DENET_EXPORT(exports, log1p);
  DENET_EXPORT(exports, log2);
  DENET_EXPORT(exports, sqrt);
  DENET_EXPORT(exports, rsqrt);
  DENET_EXPORT(exports, square);
  DENET_EXPORT(exports, sin);
  DENET_EXPORT(exports, cos);
  DENET_EXPORT(exports, sign);
  DENET_EXPORT(exports, floor);
  DENET_EXPORT(exports, ceil);
  DENET_EXPORT(exports, round);
  DENET_EXPORT(exports, trunc);
  DENET_EXPORT(exports, reciprocal);
  DENET_EXPORT(exports, erf);
  DENET_EXPORT(exports, logicalNot);
  DENET_EXPORT(exports, isnan);
  DENET_EXPORT(exports, isinf);
  DENET_EXPORT(exports, isfinite);
  DENET_EXPORT(exports, sum);
  DENET_EXPORT(exports, mean);
  DENET_EXPORT(exports, prod);
  DENET_EXPORT(exports, amax);
  DENET_EXPORT(exports, amin);
  DENET_EXPORT(exports, maxDim);
  DENET_EXPORT(exports, minDim);
  DENET_EXPORT(exports, argmax);
  DENET_EXPORT(exports, argmin);
  DENET_EXPORT(exports, topk);
  DENET_EXPORT(exports, sort);
  DENET_EXPORT(exports, argsort);
  DENET_EXPORT(exports, std);
  DENET_EXPORT(exports, var);
  DENET_EXPORT(exports, logsumexp);
  DENET_EXPORT(exports, cumsum);
  DENET_EXPORT(exports, cumprod);
  DENET_EXPORT(exports, all);
  DENET_EXPORT(exports, any);
  DENET_EXPORT(exports, norm);
  DENET_EXPORT(exports, matmul);
  DENET_EXPORT(exports, mm);
  DENET_EXPORT(exports, bmm);
  DENET_EXPORT(exports, outer);
  DENET_EXPORT(exports, dot);
  DENET_EXPORT(exports, linear);
  DENET_EXPORT(exports, add_);
  DENET_EXPORT(exports, sub_);
  DENET_EXPORT(exports, mul_);
  DENET_EXPORT(exports, div_);
  DENET_EXPORT(exports, addcmul_);
  DENET_EXPORT(exports, addcdiv_);
  DENET_EXPORT(exports, lerp_);
  DENET_EXPORT(exports, copy_);
  DENET_EXPORT(exports, zero_);
  DENET_EXPORT(exports, fill_);
  DENET_EXPORT(exports, clamp_);
  DENET_EXPORT(exports, sqrt_);
  DENET_EXPORT(exports, uniform_);
  DENET_EXPORT(exports, normal_);
}

}  // namespace denet
