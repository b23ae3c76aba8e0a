// Data-parallel collectives over libtorch's c10d: a TCPStore rendezvous and a Gloo process group.
// One process group per process; the trainer decides what to reduce and when.
#include "handle.h"
#ifdef DENET_WITH_GLOO
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace denet {

#ifdef DENET_WITH_GLOO
static c10::intrusive_ptr<c10d::ProcessGroupGloo> group;

static c10d::ProcessGroupGloo& pg() {
  if (!group) throw std::runtime_error("distributed: distInit() has not been called");
  return *group;
}

/** distInit(host, port, rank, worldSize, timeoutMs): blocks until every rank has joined. */
DENET_FN(distInit) {
  auto host = A(0).As<Napi::String>().Utf8Value();
  int rank = static_cast<int>(i64(A(2)));
  int world = static_cast<int>(i64(A(3)));
  c10d::TCPStoreOptions so;
  so.port = static_cast<uint16_t>(i64(A(1)));
  so.isServer = rank == 0;
  so.numWorkers = world;
  so.timeout = std::chrono::milliseconds(i64(A(4)));
  auto store = c10::make_intrusive<c10d::TCPStore>(host, so);
  auto opts = c10d::ProcessGroupGloo::Options::create();
  opts->timeout = so.timeout;
  opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(host));
  group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, opts);
  return info.Env().Undefined();
}
/** distAllReduce(tensors[]): in-place sum over all ranks. */
DENET_FN(distAllReduce) {
  auto ts = tensorList(A(0));
  pg().allreduce(ts)->wait();
  return info.Env().Undefined();
}
DENET_FN(distBroadcast) {
  auto ts = tensorList(A(0));
  c10d::BroadcastOptions o;
  o.rootRank = static_cast<int>(i64(A(1)));
  pg().broadcast(ts, o)->wait();
  return info.Env().Undefined();
}
DENET_FN(distBarrier) {
  pg().barrier()->wait();
  return info.Env().Undefined();
}
DENET_FN(distDestroy) {
  group.reset();
  return info.Env().Undefined();
}
#else
#define NO_GLOO(name) \
  DENET_FN(name) { throw std::runtime_error("distributed training needs Gloo: install libgloo-dev and rebuild"); }
NO_GLOO(distInit)
NO_GLOO(distAllReduce)
NO_GLOO(distBroadcast)
NO_GLOO(distBarrier)
NO_GLOO(distDestroy)
#endif

void initDistributed(Napi::Env env, Napi::Object exports) {
  DENET_EXPORT(exports, distInit);
  DENET_EXPORT(exports, distAllReduce);
  DENET_EXPORT(exports, distBroadcast);
  DENET_EXPORT(exports, distBarrier);
  DENET_EXPORT(exports, distDestroy);
}

}  // namespace denet
