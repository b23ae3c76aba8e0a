// Thread-local execution modes: libtorch's inference mode and autocast (mixed precision).
// Both are RAII/TLS state in libtorch; the JS side enters them around a synchronous callback
// (inference mode) or through explicit enter/exit pairs that TypeScript keeps balanced (autocast).
#include <c10/core/InferenceMode.h>
#include "handle.h"

namespace denet {

/** inferenceMode(fn): calls fn() under c10::InferenceMode and returns its result. */
DENET_FN(inferenceMode) {
  auto fn = A(0).As<Napi::Function>();
  c10::InferenceMode guard(true);
  return fn.Call({});
}
DENET_FN(isInferenceMode) { return Napi::Boolean::New(info.Env(), c10::InferenceMode::is_enabled()); }
DENET_FN(isInference) { return Napi::Boolean::New(info.Env(), T(0).is_inference()); }

static c10::DeviceType autocastDevice(const Napi::Value& v) {
  auto s = v.As<Napi::String>().Utf8Value();
  if (s == "cpu") return c10::DeviceType::CPU;
  if (s == "cuda") return c10::DeviceType::CUDA;
  throw std::invalid_argument("autocast device type must be cpu or cuda, not " + s);
}

/** autocastState(deviceType) → { enabled, dtype } */
DENET_FN(autocastState) {
  auto d = autocastDevice(A(0));
  auto o = Napi::Object::New(info.Env());
  o.Set("enabled", Napi::Boolean::New(info.Env(), autocastEnabled(d)));
  o.Set("dtype", Napi::Number::New(info.Env(), static_cast<int>(autocastDtype(d))));
  return o;
}
/**
 * autocastEnter(deviceType, enabled, dtype): sets the state and counts the nesting (the cast-weight
 * cache is cleared when the outermost region exits, as torch.autocast does).
 */
DENET_FN(autocastEnter) {
  auto d = autocastDevice(A(0));
  setAutocastEnabled(d, flag(A(1)));
  setAutocastDtype(d, dtypeArg(A(2)));
  at::autocast::increment_nesting();
  return info.Env().Undefined();
}
/** autocastExit(deviceType, enabledBefore, dtypeBefore): restores the state saved at enter. */
DENET_FN(autocastExit) {
  auto d = autocastDevice(A(0));
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  setAutocastEnabled(d, flag(A(1)));
  setAutocastDtype(d, dtypeArg(A(2)));
  return info.Env().Undefined();
}

void initModes(Napi::Env env, Napi::Object exports) {
  DENET_EXPORT(exports, inferenceMode);
  DENET_EXPORT(exports, isInferenceMode);
  DENET_EXPORT(exports, isInference);
  DENET_EXPORT(exports, autocastState);
  DENET_EXPORT(exports, autocastEnter);
  DENET_EXPORT(exports, autocastExit);
}

}  // namespace denet
