// The one place where libtorch 1.13 and 2.x differ for this addon.
#pragma once
#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/version.h>

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

}  // namespace denet
