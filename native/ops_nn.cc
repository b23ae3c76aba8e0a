// Neural-network ops: convolution, pooling, normalisation, activations, sampling, losses.
#include "handle.h"

namespace denet {

DENET_FN(conv2d) {
  RET(at::conv2d(T(0), T(1), unwrapOpt(A(2)), intList(A(3)), intList(A(4)), intList(A(5)), i64(A(6))));
}
DENET_FN(convTranspose2d) {
  RET(at::conv_transpose2d(T(0), T(1), unwrapOpt(A(2)), intList(A(3)), intList(A(4)), intList(A(5)), i64(A(6)), intList(A(7))));
}
DENET_FN(maxPool2d) { RET(at::max_pool2d(T(0), intList(A(1)), intList(A(2)), intList(A(3)), intList(A(4)), flag(A(5)))); }
DENET_FN(maxPool2dWithIndices) {
  auto r = at::max_pool2d_with_indices(T(0), intList(A(1)), intList(A(2)), intList(A(3)), intList(A(4)), flag(A(5)));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
DENET_FN(avgPool2d) { RET(at::avg_pool2d(T(0), intList(A(1)), intList(A(2)), intList(A(3)), flag(A(4)), flag(A(5)))); }
DENET_FN(adaptiveAvgPool2d) { RET(at::adaptive_avg_pool2d(T(0), intList(A(1)))); }
DENET_FN(adaptiveMaxPool2d) { RET(std::get<0>(at::adaptive_max_pool2d(T(0), intList(A(1))))); }
DENET_FN(upsampleNearest2d) { RET(at::upsample_nearest2d(T(0), intList(A(1)), nullopt, nullopt)); }
DENET_FN(upsampleBilinear2d) { RET(at::upsample_bilinear2d(T(0), intList(A(1)), flag(A(2)), nullopt, nullopt)); }

/** batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps); momentum as in PyTorch. */
DENET_FN(batchNorm) {
  RET(at::batch_norm(T(0), unwrapOpt(A(1)), unwrapOpt(A(2)), unwrapOpt(A(3)), unwrapOpt(A(4)), flag(A(5)), num(A(6)), num(A(7)), true));
}
DENET_FN(dropout) { RET(at::dropout(T(0), num(A(1)), flag(A(2)))); }

DENET_FN(relu) { RET(at::relu(T(0))); }
DENET_FN(leakyRelu) { RET(at::leaky_relu(T(0), scalar(A(1)))); }
DENET_FN(elu) { RET(at::elu(T(0), scalar(A(1)))); }
DENET_FN(selu) { RET(at::selu(T(0))); }
DENET_FN(silu) { RET(at::silu(T(0))); }
DENET_FN(gelu) { RET(at::gelu(T(0))); }
DENET_FN(sigmoid) { RET(at::sigmoid(T(0))); }
DENET_FN(tanh) { RET(at::tanh(T(0))); }
DENET_FN(hardtanh) { RET(at::hardtanh(T(0), scalar(A(1)), scalar(A(2)))); }
DENET_FN(softplus) { RET(at::softplus(T(0), scalar(A(1)), scalar(A(2)))); }
DENET_FN(logSigmoid) { RET(at::log_sigmoid(T(0))); }
DENET_FN(softmax) { RET(at::softmax(T(0), i64(A(1)))); }
DENET_FN(logSoftmax) { RET(at::log_softmax(T(0), i64(A(1)))); }

/** gridSample(x, grid, mode 0 bilinear|1 nearest|2 bicubic, padding 0 zeros|1 border|2 reflection, alignCorners) */
DENET_FN(gridSample) { RET(at::grid_sampler(T(0), T(1), i64(A(2)), i64(A(3)), flag(A(4)))); }
DENET_FN(constantPad) { RET(at::constant_pad_nd(T(0), intList(A(1)), scalar(A(2)))); }
DENET_FN(reflectionPad2d) { RET(at::reflection_pad2d(T(0), intList(A(1)))); }
DENET_FN(replicationPad2d) { RET(at::replication_pad2d(T(0), intList(A(1)))); }

// Losses; reduction: 0 none, 1 mean, 2 sum (at::Reduction).
DENET_FN(crossEntropy) {
  RET(at::cross_entropy_loss(T(0), T(1), unwrapOpt(A(2)), i64(A(3)), i64(A(4)), num(A(5))));
}
DENET_FN(nllLoss) { RET(at::nll_loss_nd(T(0), T(1), unwrapOpt(A(2)), i64(A(3)), i64(A(4)))); }
DENET_FN(bceWithLogits) {
  RET(at::binary_cross_entropy_with_logits(T(0), T(1), unwrapOpt(A(2)), unwrapOpt(A(3)), i64(A(4))));
}
DENET_FN(binaryCrossEntropy) { RET(at::binary_cross_entropy(T(0), T(1), unwrapOpt(A(2)), i64(A(3)))); }
DENET_FN(smoothL1Loss) { RET(at::smooth_l1_loss(T(0), T(1), i64(A(2)), num(A(3)))); }
DENET_FN(mseLoss) { RET(at::mse_loss(T(0), T(1), i64(A(2)))); }
DENET_FN(l1Loss) { RET(at::l1_loss(T(0), T(1), i64(A(2)))); }

void initNN(Napi::Env env, Napi::Object exports) {
  DENET_EXPORT(exports, conv2d);
  DENET_EXPORT(exports, convTranspose2d);
  DENET_EXPORT(exports, maxPool2d);
  DENET_EXPORT(exports, maxPool2dWithIndices);
  DENET_EXPORT(exports, avgPool2d);
  DENET_EXPORT(exports, adaptiveAvgPool2d);
  DENET_EXPORT(exports, adaptiveMaxPool2d);
  DENET_EXPORT(exports, upsampleNearest2d);
  DENET_EXPORT(exports, upsampleBilinear2d);
  DENET_EXPORT(exports, batchNorm);
  DENET_EXPORT(exports, dropout);
  DENET_EXPORT(exports, relu);
  DENET_EXPORT(exports, leakyRelu);
  DENET_EXPORT(exports, elu);
  DENET_EXPORT(exports, selu);
  DENET_EXPORT(exports, silu);
  DENET_EXPORT(exports, gelu);
  DENET_EXPORT(exports, sigmoid);
  DENET_EXPORT(exports, tanh);
  DENET_EXPORT(exports, hardtanh);
  DENET_EXPORT(exports, softplus);
  DENET_EXPORT(exports, logSigmoid);
  DENET_EXPORT(exports, softmax);
  DENET_EXPORT(exports, logSoftmax);
  DENET_EXPORT(exports, gridSample);
  DENET_EXPORT(exports, constantPad);
  DENET_EXPORT(exports, reflectionPad2d);
  DENET_EXPORT(exports, replicationPad2d);
  DENET_EXPORT(exports, crossEntropy);
  DENET_EXPORT(exports, nllLoss);
  DENET_EXPORT(exports, bceWithLogits);
  DENET_EXPORT(exports, binaryCrossEntropy);
  DENET_EXPORT(exports, smoothL1Loss);
  DENET_EXPORT(exports, mseLoss);
  DENET_EXPORT(exports, l1Loss);
}

}  // namespace denet
