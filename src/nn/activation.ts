/** The activations `--activation` can name (what `A`, `BNA` and residual blocks apply). */
import { F, type Tensor } from '../torch/index.js';
import { UserError } from '../util/errors.js';

const ACTIVATIONS: Record<string, (x: Tensor) => Tensor> = {
  relu: F.relu,
  elu: (x) => F.elu(x),
  'leaky-relu': (x) => F.leakyRelu(x, 0.01),
  tanh: F.tanh,
  sigmoid: F.sigmoid,
  selu: F.selu,
  silu: F.silu,
  gelu: F.gelu,
  softplus: (x) => F.softplus(x),
  linear: (x) => x.alias(),
};

export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS);

export function activation(name: string): (x: Tensor) => Tensor {
  const f = ACTIVATIONS[name];
  if (!f) throw new UserError(`unknown activation "${name}": expected one of ${ACTIVATION_NAMES.join(', ')}`);
  return f;
}
