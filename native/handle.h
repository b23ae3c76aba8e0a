// Tensor handles: a JS External owning one at::Tensor, plus argument helpers and the
// error wrapper every entry point uses. No policy lives here: TypeScript validates arguments.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <atomic>
#include <string>
#include <vector>
#include "compat.h"

namespace denet {

/** The boxed tensor behind a handle; `live` turns false on dispose (the box itself is freed by GC). */
struct Box {
  at::Tensor t;
  bool live = true;
  int64_t bytes = 0;
};

/** Counters for leak tests and `denet info`. */
struct Stats {
  std::atomic<int64_t> live{0};
  std::atomic<int64_t> bytes{0};
};
Stats& stats();

Napi::Value wrap(Napi::Env env, at::Tensor t);
at::Tensor& unwrap(const Napi::Value& v);
optional<at::Tensor> unwrapOpt(const Napi::Value& v);
void dispose(Napi::Env env, Box* box);

std::vector<int64_t> intList(const Napi::Value& v);
std::vector<at::Tensor> tensorList(const Napi::Value& v);
Napi::Array wrapList(Napi::Env env, const std::vector<at::Tensor>& ts);
at::Scalar scalar(const Napi::Value& v);
at::ScalarType dtypeArg(const Napi::Value& v);
at::TensorOptions options(const Napi::Value& dtype, const Napi::Value& device);
optional<double> doubleOpt(const Napi::Value& v);
optional<int64_t> intOpt(const Napi::Value& v);

inline double num(const Napi::Value& v) { return v.As<Napi::Number>().DoubleValue(); }
inline int64_t i64(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }
inline bool flag(const Napi::Value& v) { return v.ToBoolean().Value(); }
inline bool given(const Napi::Value& v) { return !v.IsUndefined() && !v.IsNull(); }

/** Runs `body`, turning libtorch and C++ exceptions into JS errors carrying libtorch's message. */
template <typename F>
Napi::Value guard(const Napi::CallbackInfo& info, F body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

/** Declares `Napi::Value name(const Napi::CallbackInfo& info)` whose body runs under guard(). */
#define DENET_FN(name)                                          \
  static Napi::Value name##_impl(const Napi::CallbackInfo& info); \
  static Napi::Value name(const Napi::CallbackInfo& info) {     \
    return guard(info, [&] { return name##_impl(info); });     \
  }                                                             \
  static Napi::Value name##_impl(const Napi::CallbackInfo& info)

#define DENET_EXPORT(exports, name) exports.Set(#name, Napi::Function::New(env, name, #name))

#define A(i) info[i]
#define T(i) unwrap(info[i])
#define RET(expr) return wrap(info.Env(), (expr))

void initCreate(Napi::Env env, Napi::Object exports);
void initShape(Napi::Env env, Napi::Object exports);
void initMath(Napi::Env env, Napi::Object exports);
void initNN(Napi::Env env, Napi::Object exports);
void initAutograd(Napi::Env env, Napi::Object exports);
void initRuntime(Napi::Env env, Napi::Object exports);
void initDistributed(Napi::Env env, Napi::Object exports);
void initModes(Napi::Env env, Napi::Object exports);

}  // namespace denet
