// The one place where libtorch 1.13 and 2.x differ for this addon.
#pragma once
#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/version.h>
// Only distributed.cc defines DENET_USES_C10D (the c10d headers are heavy).
#if defined(DENET_USES_C10D) && (defined(DENET_WITH_GLOO) || defined(DENET_WITH_NCCL))
#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif
#endif

namespace denet {

#if TORCH_VERSION_MAJOR >= 2
template <typename T> using optional = std::optional<T>;
inline constexpr auto nullopt = std::nullopt;
#else
template <typename T> using optional = c10::optional<T>;
inline constexpr auto nullopt = c10::nullopt;
#endif

// Autocast state per device type: one call taking the device type from 2.4 on; separate CPU and
// GPU functions before (deprecated, then removed, afterwards).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
inline bool autocastEnabled(c10::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
inline void setAutocastEnabled(c10::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
inline at::ScalarType autocastDtype(c10::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
inline void setAutocastDtype(c10::DeviceType d, at::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
inline bool autocastEnabled(c10::DeviceType d) { return d == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled(); }
inline void setAutocastEnabled(c10::DeviceType d, bool on) {
  if (d == c10::DeviceType::CPU) at::autocast::set_cpu_enabled(on);
  else at::autocast::set_enabled(on);
}
inline at::ScalarType autocastDtype(c10::DeviceType d) { return d == c10::DeviceType::CPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype(); }
inline void setAutocastDtype(c10::DeviceType d, at::ScalarType t) {
  if (d == c10::DeviceType::CPU) at::autocast::set_autocast_cpu_dtype(t);
  else at::autocast::set_autocast_gpu_dtype(t);
}
#endif

#if defined(DENET_USES_C10D) && (defined(DENET_WITH_GLOO) || defined(DENET_WITH_NCCL))
// The base class of ProcessGroupGloo and ProcessGroupNCCL: c10d::Backend from 2.0 on.
#if TORCH_VERSION_MAJOR >= 2
using CollectiveGroup = c10d::Backend;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif
#endif

/** Turns TF32 math on or off for float32 matmuls (cuBLAS) and convolutions (cuDNN). */
inline void configureTF32(bool cublas, bool cudnn) {
  at::globalContext().setAllowTF32CuBLAS(cublas);
  at::globalContext().setAllowTF32CuDNN(cudnn);
}

}  // namespace denet
