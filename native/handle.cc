#include "handle.h"
#include <algorithm>
#include <cstdlib>

namespace denet {

Stats& stats() {
  static Stats s;
  return s;
}

static int64_t storageBytes(const at::Tensor& t) {
  if (!t.defined()) return 0;
  return static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size());
}

/**
 * Tells V8 about native memory held by tensor handles, so that forgotten tensors get collected.
 * Reported in coarse steps: a training step allocates and frees hundreds of MB of activations, and
 * reporting each change made V8 run a full mark-compact every step (measured: ~1 per 125 ms),
 * competing with libtorch's threads. Only drifts beyond the band reach V8.
 */
static void reportExternal(Napi::Env env) {
  static int64_t reported = 0;
  const int64_t now = stats().bytes.load();
  const int64_t band = std::max<int64_t>(int64_t(256) << 20, reported / 2);
  if (std::llabs(now - reported) > band) {
    Napi::MemoryManagement::AdjustExternalMemory(env, now - reported);
    reported = now;
  }
}

void dispose(Napi::Env env, Box* box) {
  if (!box->live) return;
  box->live = false;
  box->t = at::Tensor();
  stats().live--;
  stats().bytes -= box->bytes;
  reportExternal(env);
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Undefined();
  auto* box = new Box{std::move(t), true, 0};
  box->bytes = storageBytes(box->t);
  stats().live++;
  stats().bytes += box->bytes;
  reportExternal(env);
  // The finaliser is only a safety net: TypeScript scopes dispose tensors explicitly.
  return Napi::External<Box>::New(env, box, [](Napi::Env e, Box* b) {
    dispose(e, b);
    delete b;
  });
}

at::Tensor& unwrap(const Napi::Value& v) {
  if (!v.IsExternal()) throw std::invalid_argument("expected a tensor handle");
  Box* box = v.As<Napi::External<Box>>().Data();
  if (!box->live) throw std::invalid_argument("tensor was already disposed");
  return box->t;
}

optional<at::Tensor> unwrapOpt(const Napi::Value& v) {
  if (!given(v)) return nullopt;
  return unwrap(v);
}

std::vector<int64_t> intList(const Napi::Value& v) {
  if (v.IsNumber()) return {i64(v)};
  auto arr = v.As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) out[i] = arr.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

std::vector<at::Tensor> tensorList(const Napi::Value& v) {
  auto arr = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(unwrap(arr.Get(i)));
  return out;
}

Napi::Array wrapList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto arr = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); i++) arr.Set(static_cast<uint32_t>(i), wrap(env, ts[i]));
  return arr;
}

at::Scalar scalar(const Napi::Value& v) {
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  double d = num(v);
  // Integral numbers become integer scalars so integer tensors keep their dtype.
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) return at::Scalar(static_cast<int64_t>(d));
  return at::Scalar(d);
}

at::ScalarType dtypeArg(const Napi::Value& v) { return static_cast<at::ScalarType>(i64(v)); }

at::TensorOptions options(const Napi::Value& dtype, const Napi::Value& device) {
  auto o = at::TensorOptions().dtype(given(dtype) ? dtypeArg(dtype) : at::kFloat);
  if (given(device)) o = o.device(c10::Device(device.As<Napi::String>().Utf8Value()));
  return o;
}

optional<double> doubleOpt(const Napi::Value& v) {
  if (!given(v)) return nullopt;
  return num(v);
}

optional<int64_t> intOpt(const Napi::Value& v) {
  if (!given(v)) return nullopt;
  return i64(v);
}

}  // namespace denet
