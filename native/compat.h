// The one place where libtorch 1.13 and 2.x differ for this addon.
#pragma once
#include <ATen/ATen.h>
#include <torch/version.h>

namespace denet {

#if TORCH_VERSION_MAJOR >= 2
template <typename T> using optional = std::optional<T>;
inline constexpr auto nullopt = std::nullopt;
#else
template <typename T> using optional = c10::optional<T>;
inline constexpr auto nullopt = c10::nullopt;
#endif

}  // namespace denet

// c10d: the process groups (Gloo, NCCL) derive from ProcessGroup in 1.13 and from Backend in 2.x;
// the addon holds its group through that common base.
namespace c10d {
class ProcessGroup;
class Backend;
}  // namespace c10d
namespace denet {
#if TORCH_VERSION_MAJOR >= 2
using C10dGroup = c10d::Backend;
#else
using C10dGroup = c10d::ProcessGroup;
#endif
}  // namespace denet
