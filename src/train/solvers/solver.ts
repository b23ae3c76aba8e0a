/**
 * The solver contract: a solver owns its state tensors (momentum buffers, Adam moments), updates
 * parameters in place under noGrad from their `.grad`, and can save and restore its state so a
 * resumed run continues exactly.
 */
import { keep, noGrad, scope, zerosLike, type Tensor } from '../../torch/index.js';
import { UserError } from '../../util/errors.js';

/** A parameter the solver updates; `decay` says whether L2 weight decay applies (weights yes, biases and BN no). */
export interface SolverParam {
  name: string;
  tensor: Tensor;
  decay: boolean;
}

/** Settings shared by every solver. */
export interface SolverOptions {
  /** L2 weight decay added to the gradient of `decay` parameters (`--weight-decay`). */
  weightDecay: number;
  /** Momentum (SGD, Nesterov) or [β1, β2] (Adam), from `--momentum`. */
  momentum: number[];
  /** Adam's ε. */
  eps?: number;
}

/** Saved solver state: tensors by name plus JSON-able scalars. */
export interface SolverState {
  tensors: Record<string, Tensor>;
  meta: Record<string, unknown>;
}

export abstract class Solver {
  abstract readonly name: string;
  /** Per-parameter state tensors, by slot name (`momentum`, `exp_avg`, …) then parameter name. */
  protected readonly slots = new Map<string, Map<string, Tensor>>();

  constructor(
    readonly params: SolverParam[],
    readonly options: SolverOptions,
  ) {
    const names = new Set<string>();
    for (const p of params) {
      if (names.has(p.name)) throw new Error(`solver: duplicate parameter name ${p.name}`);
      names.add(p.name);
    }
  }

  /** Applies one update with learning rate `lr` to every parameter that has a gradient. */
  step(lr: number): void {
    scope(() =>
      noGrad(() => {
        this.beginStep();
        for (const p of this.params) {
          const g = p.tensor.grad;
          if (!g) continue;
          const grad = p.decay && this.options.weightDecay !== 0 ? g.add(p.tensor, this.options.weightDecay) : g;
          this.update(p, grad, lr);
        }
      }),
    );
  }

  /** Drops every gradient (the next backward starts from zero). */
  zeroGrad(): void {
    for (const p of this.params) p.tensor.zeroGrad();
  }

  protected beginStep(): void {}
  /** Updates `p.tensor` in place; `grad` already includes weight decay. Runs inside scope + noGrad. */
  protected abstract update(p: SolverParam, grad: Tensor, lr: number): void;

  /** The state slot `slot` of parameter `p`, created as zeros the first time (kept out of scopes). */
  protected slot(slot: string, p: SolverParam): Tensor {
    let m = this.slots.get(slot);
    if (!m) this.slots.set(slot, (m = new Map()));
    let t = m.get(p.name);
    if (!t) {
      t = keep(zerosLike(p.tensor));
      m.set(p.name, t);
    }
    return t;
  }

  /** Scalars beyond the tensors (e.g. Adam's step count). */
  protected metaState(): Record<string, unknown> {
    return {};
  }
  protected loadMetaState(_meta: Record<string, unknown>): void {}

  /** The state as named tensors (`slot/param`); the tensors are the live buffers, do not dispose them. */
  state(): SolverState {
    const tensors: Record<string, Tensor> = {};
    for (const [slot, m] of this.slots) for (const [name, t] of m) tensors[`${slot}/${name}`] = t;
    return { tensors, meta: { solver: this.name, ...this.metaState() } };
  }

  /** Restores a state saved by `state()`; copies values into fresh buffers. */
  loadState(state: SolverState): void {
    if (state.meta.solver !== this.name) throw new UserError(`the checkpoint holds ${String(state.meta.solver)} solver state, not ${this.name}: resume with --solver ${String(state.meta.solver)}`);
    const byName = new Map(this.params.map((p) => [p.name, p]));
    this.disposeState();
    for (const [key, src] of Object.entries(state.tensors)) {
      const cut = key.indexOf('/');
      const slot = key.slice(0, cut);
      const p = byName.get(key.slice(cut + 1));
      if (cut < 0 || !p) throw new UserError(`checkpoint solver state "${key}" matches no parameter of the model`);
      noGrad(() => this.slot(slot, p).copy_(src));
    }
    this.loadMetaState(state.meta);
  }

  disposeState(): void {
    for (const m of this.slots.values()) for (const t of m.values()) t.dispose();
    this.slots.clear();
  }
}
