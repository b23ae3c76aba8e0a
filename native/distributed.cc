// Data-parallel collectives over libtorch's c10d: a TCPStore rendezvous and one process group,
// Gloo (CPU tensors, and CUDA tensors through host copies) or NCCL (CUDA tensors, one GPU per
// rank). One process group per process; the trainer decides what to reduce and when. Every wait
// has the group's timeout, so a dead peer or a missing rank ends in an error, never a hang.
#define DENET_USES_C10D 1
#include "handle.h"
#include <cstdlib>
#include <sstream>
#if defined(DENET_WITH_GLOO) || defined(DENET_WITH_NCCL)
#define DENET_WITH_C10D 1
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#ifdef DENET_WITH_GLOO
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef DENET_WITH_NCCL
#define USE_C10D_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace denet {

#ifdef DENET_WITH_C10D
static c10::intrusive_ptr<CollectiveGroup> group;
static std::string groupBackend;

static CollectiveGroup& pg() {
  if (!group) throw std::runtime_error("distributed: distInit() has not been called");
  return *group;
}

#ifdef DENET_WITH_GLOO
/**
 * The Gloo transport device: the interfaces named by GLOO_SOCKET_IFNAME (comma list, as PyTorch
 * reads it); on a loopback rendezvous the loopback address; else this machine's hostname address
 * (PyTorch's default device).
 */
static std::vector<std::shared_ptr<::gloo::transport::Device>> glooDevices(const std::string& host) {
  std::vector<std::shared_ptr<::gloo::transport::Device>> out;
  if (const char* ifs = std::getenv("GLOO_SOCKET_IFNAME"); ifs && *ifs) {
    std::stringstream ss(ifs);
    std::string name;
    while (std::getline(ss, name, ',')) if (!name.empty()) out.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
    return out;
  }
  bool loopback = host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
  out.push_back(loopback ? c10d::ProcessGroupGloo::createDeviceForHostname(host) : c10d::ProcessGroupGloo::createDefaultDevice());
  return out;
}
#endif

/**
 * distInit(host, port, rank, worldSize, timeoutMs, backend, hostStore): joins the group; blocks
 * until every rank has joined or the timeout passes (then throws). backend: "gloo" or "nccl".
 * hostStore: rank 0 serves the TCPStore (false when a launcher such as torchrun already serves it).
 */
DENET_FN(distInit) {
  auto host = A(0).As<Napi::String>().Utf8Value();
  int rank = static_cast<int>(i64(A(2)));
  int world = static_cast<int>(i64(A(3)));
  auto timeout = std::chrono::milliseconds(i64(A(4)));
  auto backend = given(A(5)) ? A(5).As<Napi::String>().Utf8Value() : std::string("gloo");
  bool hostStore = given(A(6)) ? A(6).As<Napi::Boolean>().Value() : true;
  if (backend != "gloo" && backend != "nccl") throw std::invalid_argument("distributed: unknown backend " + backend);
  c10d::TCPStoreOptions so;
  so.port = static_cast<uint16_t>(i64(A(1)));
  so.isServer = hostStore && rank == 0;
  // Every rank, server or client, must know the world size: clients count themselves in and the
  // server waits for that count (a client without it never counts, and the server times out).
  so.numWorkers = world;
  so.timeout = timeout;
  if (backend == "nccl") {
#ifdef DENET_WITH_NCCL
    auto store = c10::make_intrusive<c10d::TCPStore>(host, so);
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = timeout;
    group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world, opts);
#else
    throw std::runtime_error("distributed: this build has no NCCL (its libtorch, CUDA or NCCL headers were not found at build time); use gloo");
#endif
  } else {
#ifdef DENET_WITH_GLOO
    auto store = c10::make_intrusive<c10d::TCPStore>(host, so);
    auto opts = c10d::ProcessGroupGloo::Options::create();
    opts->timeout = timeout;
    opts->devices = glooDevices(host);
    group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, opts);
#else
    throw std::runtime_error("distributed training over Gloo needs its headers: install libgloo-dev and rebuild");
#endif
  }
  groupBackend = backend;
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
  groupBackend.clear();
  return info.Env().Undefined();
}
DENET_FN(distBackend) { return Napi::String::New(info.Env(), groupBackend); }
#else
#define NO_C10D(name) \
  DENET_FN(name) { throw std::runtime_error("distributed training needs Gloo: install libgloo-dev and rebuild"); }
NO_C10D(distInit)
NO_C10D(distAllReduce)
NO_C10D(distBroadcast)
NO_C10D(distBarrier)
NO_C10D(distDestroy)
NO_C10D(distBackend)
#endif

void initDistributed(Napi::Env env, Napi::Object exports) {
  DENET_EXPORT(exports, distInit);
  DENET_EXPORT(exports, distAllReduce);
  DENET_EXPORT(exports, distBroadcast);
  DENET_EXPORT(exports, distBarrier);
  DENET_EXPORT(exports, distDestroy);
  DENET_EXPORT(exports, distBackend);
}

}  // namespace denet
