// Autograd: leaf flags, gradients, backward, grad mode and autograd.grad.
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>
#include "handle.h"

namespace denet {

DENET_FN(setRequiresGrad) {
  T(0).requires_grad_(flag(A(1)));
  return info.Env().Undefined();
}
DENET_FN(requiresGrad) { return Napi::Boolean::New(info.Env(), T(0).requires_grad()); }
DENET_FN(isLeaf) { return Napi::Boolean::New(info.Env(), T(0).is_leaf()); }
/** grad(t): a new handle to t.grad, or undefined when there is none. */
DENET_FN(grad) { return wrap(info.Env(), T(0).grad()); }
DENET_FN(setGrad) {
  T(0).mutable_grad() = given(A(1)) ? T(1) : at::Tensor();
  return info.Env().Undefined();
}
DENET_FN(retainGrad) {
  T(0).retain_grad();
  return info.Env().Undefined();
}
DENET_FN(detach) { RET(T(0).detach()); }
DENET_FN(detach_) {
  T(0).detach_();
  return info.Env().Undefined();
}
/** backward(t, gradient?, retainGraph, createGraph) */
DENET_FN(backward) {
  auto g = unwrapOpt(A(1));
  T(0).backward(g.has_value() ? *g : at::Tensor(), flag(A(2)), flag(A(3)));
  return info.Env().Undefined();
}
/** autogradGrad(outputs[], inputs[], gradOutputs[]|null, retainGraph, createGraph, allowUnused) */
DENET_FN(autogradGrad) {
  auto outputs = tensorList(A(0));
  auto inputs = tensorList(A(1));
  std::vector<at::Tensor> gradOutputs;
  if (given(A(2))) {
    auto arr = A(2).As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) gradOutputs.push_back(given(arr.Get(i)) ? unwrap(arr.Get(i)) : at::Tensor());
  }
  auto grads = torch::autograd::grad(outputs, inputs, gradOutputs, flag(A(3)), flag(A(4)), flag(A(5)));
  auto arr = Napi::Array::New(info.Env(), grads.size());
  for (size_t i = 0; i < grads.size(); i++) arr.Set(static_cast<uint32_t>(i), wrap(info.Env(), grads[i]));
  return arr;
}
DENET_FN(setGradEnabled) {
  c10::GradMode::set_enabled(flag(A(0)));
  return info.Env().Undefined();
}
DENET_FN(isGradEnabled) { return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled()); }

void initAutograd(Napi::Env env, Napi::Object exports) {
  DENET_EXPORT(exports, setRequiresGrad);
  DENET_EXPORT(exports, requiresGrad);
  DENET_EXPORT(exports, isLeaf);
  DENET_EXPORT(exports, grad);
  DENET_EXPORT(exports, setGrad);
  DENET_EXPORT(exports, retainGrad);
  DENET_EXPORT(exports, detach);
  DENET_EXPORT(exports, detach_);
  DENET_EXPORT(exports, backward);
  DENET_EXPORT(exports, autogradGrad);
  DENET_EXPORT(exports, setGradEnabled);
  DENET_EXPORT(exports, isGradEnabled);
}

}  // namespace denet
