// Runtime settings: seeding, threads, CUDA queries, build facts, memory counters, allocator.
#include <malloc.h>
#include <torch/cuda.h>
#include <ATen/Parallel.h>
#include <ATen/CPUGeneratorImpl.h>
#include <mutex>
#include "handle.h"

namespace denet {

static int64_t mmapThreshold = -1;

/**
 * Allocator policy. glibc's default raises its mmap threshold after large frees, so big tensor
 * buffers are reused from the heap; that is what PyTorch runs with and it is fast. A fixed low
 * threshold (every buffer above it mmapped and unmapped) keeps RSS lowest, but the page faults
 * made training 2-5x slower in our measurements (README "Threads and memory"), so it is opt-in:
 * DENET_MMAP_THRESHOLD=<bytes>. Scopes free tensors explicitly and the trainer calls malloc_trim
 * between epochs, which keeps RSS flat with the default policy.
 */
static void tuneAllocator() {
  const char* env = std::getenv("DENET_MMAP_THRESHOLD");
  int64_t bytes = env ? std::atoll(env) : 0;
  if (bytes > 0) {
    mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes));
    mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * bytes));
    mmapThreshold = bytes;
  }
}

DENET_FN(manualSeed) {
  at::manual_seed(static_cast<uint64_t>(i64(A(0))));
  return info.Env().Undefined();
}
/** The CPU generator's state as a uint8 tensor (for exact resume). */
DENET_FN(getRngState) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  RET(gen.get_state());
}
DENET_FN(setRngState) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(T(0));
  return info.Env().Undefined();
}
/**
 * The default generator of CUDA device `index`, through ATen's context, so this file needs no
 * CUDA headers and builds against CPU-only libtorch (where the call throws "no CUDA").
 */
static at::Generator cudaGenerator(int64_t index) {
  return at::globalContext().defaultGenerator(c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(index)));
}
/** getCudaRngState(index): that device's generator state (uint8), for exact resume on CUDA. */
DENET_FN(getCudaRngState) {
  auto gen = cudaGenerator(i64(A(0)));
  std::lock_guard<std::mutex> lock(gen.mutex());
  RET(gen.get_state());
}
DENET_FN(setCudaRngState) {
  auto gen = cudaGenerator(i64(A(0)));
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(T(1));
  return info.Env().Undefined();
}
DENET_FN(setNumThreads) {
  at::set_num_threads(static_cast<int>(i64(A(0))));
  return info.Env().Undefined();
}
DENET_FN(getNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }
DENET_FN(cudaIsAvailable) { return Napi::Boolean::New(info.Env(), torch::cuda::is_available()); }
DENET_FN(cudaDeviceCount) { return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count())); }
/** setAllowTF32(matmul, cudnn): TF32 math for float32 on Ampere and later GPUs (libtorch's defaults: off, on). */
DENET_FN(setAllowTF32) {
  configureTF32(flag(A(0)), flag(A(1)));
  return info.Env().Undefined();
}
DENET_FN(getAllowTF32) {
  auto o = Napi::Object::New(info.Env());
  o.Set("matmul", Napi::Boolean::New(info.Env(), at::globalContext().allowTF32CuBLAS()));
  o.Set("cudnn", Napi::Boolean::New(info.Env(), at::globalContext().allowTF32CuDNN()));
  return o;
}
DENET_FN(cudaSynchronize) {
  if (torch::cuda::is_available()) torch::cuda::synchronize(given(A(0)) ? i64(A(0)) : -1);
  return info.Env().Undefined();
}
DENET_FN(memoryStats) {
  auto o = Napi::Object::New(info.Env());
  o.Set("liveTensors", Napi::Number::New(info.Env(), static_cast<double>(stats().live.load())));
  o.Set("liveBytes", Napi::Number::New(info.Env(), static_cast<double>(stats().bytes.load())));
  return o;
}
DENET_FN(mallocTrim) { return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1); }

DENET_FN(buildInfo) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("torchVersion", Napi::String::New(env, TORCH_VERSION));
  o.Set("cxx11Abi", Napi::Number::New(env, _GLIBCXX_USE_CXX11_ABI));
#ifdef DENET_WITH_CUDA
  o.Set("cudaBuild", Napi::Boolean::New(env, true));
#else
  o.Set("cudaBuild", Napi::Boolean::New(env, false));
#endif
#ifdef DENET_WITH_GLOO
  o.Set("gloo", Napi::Boolean::New(env, true));
#else
  o.Set("gloo", Napi::Boolean::New(env, false));
#endif
#ifdef DENET_WITH_NCCL
  o.Set("nccl", Napi::Boolean::New(env, true));
#else
  o.Set("nccl", Napi::Boolean::New(env, false));
#endif
  o.Set("parallelInfo", Napi::String::New(env, at::get_parallel_info()));
  o.Set("mmapThreshold", Napi::Number::New(env, static_cast<double>(mmapThreshold)));
  return o;
}

void initRuntime(Napi::Env env, Napi::Object exports) {
  tuneAllocator();
  DENET_EXPORT(exports, manualSeed);
  DENET_EXPORT(exports, getRngState);
  DENET_EXPORT(exports, setRngState);
  DENET_EXPORT(exports, getCudaRngState);
  DENET_EXPORT(exports, setCudaRngState);
  DENET_EXPORT(exports, setNumThreads);
  DENET_EXPORT(exports, getNumThreads);
  DENET_EXPORT(exports, cudaIsAvailable);
  DENET_EXPORT(exports, cudaDeviceCount);
  DENET_EXPORT(exports, cudaSynchronize);
  DENET_EXPORT(exports, setAllowTF32);
  DENET_EXPORT(exports, getAllowTF32);
  DENET_EXPORT(exports, memoryStats);
  DENET_EXPORT(exports, mallocTrim);
  DENET_EXPORT(exports, buildInfo);
}

}  // namespace denet
