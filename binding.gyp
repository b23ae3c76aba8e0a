{
  "targets": [
    {
      "target_name": "denet_native",
      "sources": [
        "native/addon.cc",
        "native/handle.cc",
        "native/ops_create.cc",
        "native/ops_shape.cc",
        "native/ops_math.cc",
        "native/ops_nn.cc",
        "native/autograd.cc",
        "native/runtime.cc",
        "native/distributed.cc",
        "native/modes.cc"
      ],
      "include_dirs": [
        "<!@(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/libtorch.mjs --includes)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "<!@(node scripts/libtorch.mjs --defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "ldflags": ["<!@(node scripts/libtorch.mjs --ldflags)"]
    }
  ]
}
