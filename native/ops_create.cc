// Creation, conversion to and from JS buffers, and tensor metadata.
#include <cstring>
#include "handle.h"

namespace denet {

DENET_FN(zeros) { RET(at::zeros(intList(A(0)), options(A(1), A(2)))); }
DENET_FN(ones) { RET(at::ones(intList(A(0)), options(A(1), A(2)))); }
DENET_FN(empty) { RET(at::empty(intList(A(0)), options(A(1), A(2)))); }
DENET_FN(full) { RET(at::full(intList(A(0)), scalar(A(1)), options(A(2), A(3)))); }
DENET_FN(arange) { RET(at::arange(scalar(A(0)), scalar(A(1)), scalar(A(2)), options(A(3), A(4)))); }
DENET_FN(linspace) { RET(at::linspace(scalar(A(0)), scalar(A(1)), i64(A(2)), options(A(3), A(4)))); }
DENET_FN(eye) { RET(at::eye(i64(A(0)), i64(A(1)), options(A(2), A(3)))); }
DENET_FN(rand) { RET(at::rand(intList(A(0)), options(A(1), A(2)))); }
DENET_FN(randn) { RET(at::randn(intList(A(0)), options(A(1), A(2)))); }
DENET_FN(randint) { RET(at::randint(i64(A(0)), i64(A(1)), intList(A(2)), options(A(3), A(4)))); }
DENET_FN(randperm) { RET(at::randperm(i64(A(0)), options(A(1), A(2)))); }
DENET_FN(zerosLike) { RET(at::zeros_like(T(0))); }
DENET_FN(onesLike) { RET(at::ones_like(T(0))); }
DENET_FN(fullLike) { RET(at::full_like(T(0), scalar(A(1)))); }
DENET_FN(randLike) { RET(at::rand_like(T(0))); }
DENET_FN(randnLike) { RET(at::randn_like(T(0))); }
DENET_FN(bernoulli) { RET(at::bernoulli(T(0))); }
DENET_FN(multinomial) { RET(at::multinomial(T(0), i64(A(1)), flag(A(2)))); }

/** fromBuffer(typedArray, shape, dtype): copies the bytes into a new CPU tensor. */
DENET_FN(fromBuffer) {
  auto arr = A(0).As<Napi::TypedArray>();
  auto shape = intList(A(1));
  auto dtype = dtypeArg(A(2));
  int64_t numel = 1;
  for (auto s : shape) numel *= s;
  size_t need = static_cast<size_t>(numel) * c10::elementSize(dtype);
  if (arr.ByteLength() != need) {
    throw std::invalid_argument("buffer holds " + std::to_string(arr.ByteLength()) + " bytes but shape needs " + std::to_string(need));
  }
  auto out = at::empty(shape, at::TensorOptions().dtype(dtype));
  if (need) std::memcpy(out.data_ptr(), static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset(), need);
  RET(out);
}

/** toBuffer(t): a copy of the elements (row-major) as an ArrayBuffer. */
DENET_FN(toBuffer) {
  auto t = T(0).detach().to(at::kCPU).contiguous();
  size_t n = static_cast<size_t>(t.numel()) * t.element_size();
  auto buf = Napi::ArrayBuffer::New(info.Env(), n);
  if (n) std::memcpy(buf.Data(), t.data_ptr(), n);
  return buf;
}

/**
 * dataView(t): an ArrayBuffer over a contiguous CPU tensor's own memory (no copy). The buffer
 * holds a reference to the storage, so the memory outlives the tensor as long as JS uses it.
 */
DENET_FN(dataView) {
  auto& t = T(0);
  if (!t.device().is_cpu() || !t.is_contiguous()) throw std::invalid_argument("dataView needs a contiguous CPU tensor");
  size_t n = static_cast<size_t>(t.numel()) * t.element_size();
  if (n == 0) return Napi::ArrayBuffer::New(info.Env(), 0);
  auto* keep = new c10::Storage(t.storage());
  return Napi::ArrayBuffer::New(info.Env(), t.data_ptr(), n, [](Napi::Env, void*, c10::Storage* s) { delete s; }, keep);
}

/** storageRefs(t): references to t's storage (tensors and views sharing it, dataView buffers). */
DENET_FN(storageRefs) { return Napi::Number::New(info.Env(), static_cast<double>(T(0).storage().use_count())); }

DENET_FN(item) {
  auto t = T(0);
  if (t.numel() != 1) throw std::invalid_argument("item() needs a tensor with one element, got " + std::to_string(t.numel()));
  if (t.scalar_type() == at::kBool) return Napi::Boolean::New(info.Env(), t.item<bool>());
  return Napi::Number::New(info.Env(), t.item<double>());
}

DENET_FN(shape) {
  auto sizes = T(0).sizes();
  auto arr = Napi::Array::New(info.Env(), sizes.size());
  for (size_t i = 0; i < sizes.size(); i++) arr.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), static_cast<double>(sizes[i])));
  return arr;
}

DENET_FN(strides) {
  auto st = T(0).strides();
  auto arr = Napi::Array::New(info.Env(), st.size());
  for (size_t i = 0; i < st.size(); i++) arr.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), static_cast<double>(st[i])));
  return arr;
}

DENET_FN(dtype) { return Napi::Number::New(info.Env(), static_cast<int>(T(0).scalar_type())); }
DENET_FN(device) { return Napi::String::New(info.Env(), T(0).device().str()); }
DENET_FN(numel) { return Napi::Number::New(info.Env(), static_cast<double>(T(0).numel())); }
DENET_FN(dim) { return Napi::Number::New(info.Env(), static_cast<double>(T(0).dim())); }
/** isContiguous(t, channelsLast?): contiguous in the default (NCHW) or the channels-last (NHWC) order. */
DENET_FN(isContiguous) {
  auto format = flag(A(1)) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  return Napi::Boolean::New(info.Env(), T(0).is_contiguous(format));
}
DENET_FN(sameStorage) {
  return Napi::Boolean::New(info.Env(), T(0).storage().is_alias_of(T(1).storage()));
}

/**
 * to(t, dtype|null, device|null, copy, nonBlocking): nonBlocking lets a copy from pinned host
 * memory to a CUDA device overlap with host work (it is a plain copy otherwise).
 */
DENET_FN(to) {
  auto& t = T(0);
  auto dtype = given(A(1)) ? dtypeArg(A(1)) : t.scalar_type();
  auto device = given(A(2)) ? c10::Device(A(2).As<Napi::String>().Utf8Value()) : t.device();
  RET(t.to(device, dtype, /*non_blocking=*/flag(A(4)), /*copy=*/flag(A(3))));
}
/** pinMemory(t): a copy of a CPU tensor in page-locked memory (needs CUDA; TypeScript checks). */
DENET_FN(pinMemory) { RET(T(0).pin_memory()); }
DENET_FN(isPinned) { return Napi::Boolean::New(info.Env(), T(0).is_pinned()); }
DENET_FN(clone) { RET(T(0).clone()); }
/** contiguous(t, channelsLast?): a dense copy (or t itself) in NCHW, or NHWC order for 4-D t. */
DENET_FN(contiguous) { RET(T(0).contiguous(flag(A(1)) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous)); }
/** A second handle to the same tensor (scopes keep or dispose each handle on its own). */
DENET_FN(alias) { RET(T(0)); }

/** dispose(handle): frees the tensor now; the JS handle stays but becomes unusable. */
static Napi::Value disposeFn(const Napi::CallbackInfo& info) {
  if (info[0].IsExternal()) dispose(info.Env(), info[0].As<Napi::External<Box>>().Data());
  return info.Env().Undefined();
}
static Napi::Value isLive(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), info[0].IsExternal() && info[0].As<Napi::External<Box>>().Data()->live);
}

void initCreate(Napi::Env env, Napi::Object exports) {
  DENET_EXPORT(exports, zeros);
  DENET_EXPORT(exports, ones);
  DENET_EXPORT(exports, empty);
  DENET_EXPORT(exports, full);
  DENET_EXPORT(exports, arange);
  DENET_EXPORT(exports, linspace);
  DENET_EXPORT(exports, eye);
  DENET_EXPORT(exports, rand);
  DENET_EXPORT(exports, randn);
  DENET_EXPORT(exports, randint);
  DENET_EXPORT(exports, randperm);
  DENET_EXPORT(exports, zerosLike);
  DENET_EXPORT(exports, onesLike);
  DENET_EXPORT(exports, fullLike);
  DENET_EXPORT(exports, randLike);
  DENET_EXPORT(exports, randnLike);
  DENET_EXPORT(exports, bernoulli);
  DENET_EXPORT(exports, multinomial);
  DENET_EXPORT(exports, fromBuffer);
  DENET_EXPORT(exports, toBuffer);
  DENET_EXPORT(exports, dataView);
  DENET_EXPORT(exports, storageRefs);
  DENET_EXPORT(exports, item);
  DENET_EXPORT(exports, shape);
  DENET_EXPORT(exports, strides);
  DENET_EXPORT(exports, dtype);
  DENET_EXPORT(exports, device);
  DENET_EXPORT(exports, numel);
  DENET_EXPORT(exports, dim);
  DENET_EXPORT(exports, isContiguous);
  DENET_EXPORT(exports, sameStorage);
  DENET_EXPORT(exports, to);
  DENET_EXPORT(exports, pinMemory);
  DENET_EXPORT(exports, isPinned);
  DENET_EXPORT(exports, clone);
  DENET_EXPORT(exports, contiguous);
  DENET_EXPORT(exports, alias);
  exports.Set("dispose", Napi::Function::New(env, disposeFn, "dispose"));
  exports.Set("isLive", Napi::Function::New(env, isLive, "isLive"));
}

}  // namespace denet
