// The one place where libtorch 1.13 and 2.x differ for this addon.
#pragma once
#include <ATen/ATen.h>
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
