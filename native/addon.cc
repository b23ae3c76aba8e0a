// Module entry: registers every group of native functions.
#include "handle.h"

namespace denet {

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  initRuntime(env, exports);
  initCreate(env, exports);
  initShape(env, exports);
  initMath(env, exports);
  initNN(env, exports);
  initAutograd(env, exports);
  initDistributed(env, exports);
  initModes(env, exports);
  return exports;
}

}  // namespace denet

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return denet::init(env, exports); }

NODE_API_MODULE(denet_native, Init)
