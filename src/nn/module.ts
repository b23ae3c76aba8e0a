/**
 * Module: a named tree of parameters, buffers and child modules. Names follow PyTorch's
 * `state_dict` paths (`conv1.weight`, `downsample.0.weight`, `running_mean`), so a composite
 * layer's names match torchvision's and weights load by name.
 */
import { keep, type Tensor } from '../torch/index.js';

export interface NamedParameter {
  name: string;
  tensor: Tensor;
  /** Whether L2 weight decay applies (false for biases and batch-norm scale/shift). */
  decay: boolean;
}
export interface NamedBuffer {
  name: string;
  tensor: Tensor;
}

export class Module {
  #params = new Map<string, { tensor: Tensor; decay: boolean }>();
  #buffers = new Map<string, Tensor>();
  #children = new Map<string, Module>();

  /** Registers a trainable tensor (requiresGrad on; kept out of any open scope). */
  protected param(name: string, t: Tensor, decay: boolean): Tensor {
    keep(t);
    t.requiresGrad = true;
    this.#params.set(name, { tensor: t, decay });
    return t;
  }
  /** Registers a non-trainable state tensor (running statistics, counters). */
  protected buffer(name: string, t: Tensor): Tensor {
    keep(t);
    this.#buffers.set(name, t);
    return t;
  }
  /** Adds a child module; the name '' merges its tensor names into this module's. */
  protected child<M extends Module>(name: string, m: M): M {
    this.#children.set(name, m);
    return m;
  }
  /** A parameter or buffer of this module (not of children) by name. */
  protected get(name: string): Tensor {
    const t = this.#params.get(name)?.tensor ?? this.#buffers.get(name);
    if (!t) throw new Error(`no tensor "${name}"`);
    return t;
  }

  namedParameters(prefix = ''): NamedParameter[] {
    const out: NamedParameter[] = [];
    for (const [n, p] of this.#params) out.push({ name: prefix + n, tensor: p.tensor, decay: p.decay });
    for (const [n, c] of this.#children) out.push(...c.namedParameters(n ? `${prefix}${n}.` : prefix));
    return out;
  }
  namedBuffers(prefix = ''): NamedBuffer[] {
    const out: NamedBuffer[] = [];
    for (const [n, t] of this.#buffers) out.push({ name: prefix + n, tensor: t });
    for (const [n, c] of this.#children) out.push(...c.namedBuffers(n ? `${prefix}${n}.` : prefix));
    return out;
  }
  parameterCount(): number {
    return this.namedParameters().reduce((a, p) => a + p.tensor.numel, 0);
  }

  /**
   * Replaces the tensor stored under `name` (a path like `conv1.weight`) with `t`, disposing the old
   * one. Parameters keep requiresGrad. Used by load and device moves.
   */
  replace(name: string, t: Tensor): void {
    const dot = name.indexOf('.');
    if (dot >= 0) {
      const c = this.#children.get(name.slice(0, dot));
      if (c) return c.replace(name.slice(dot + 1), t);
    }
    const p = this.#params.get(name);
    if (p) {
      if (p.tensor !== t) p.tensor.dispose();
      this.param(name, t, p.decay);
      return;
    }
    const b = this.#buffers.get(name);
    if (!b) {
      const merged = this.#children.get('');
      if (merged) return merged.replace(name, t);
      throw new Error(`no tensor "${name}"`);
    }
    if (b !== t) b.dispose();
    this.buffer(name, t);
  }

  /** Moves every parameter and buffer to `device` (new tensors; the old ones are disposed). */
  to(device: string): this {
    for (const [n, p] of this.#params) {
      if (p.tensor.device === device) continue;
      const d = p.tensor.detach();
      const moved = d.to({ device });
      d.dispose();
      this.replace(n, moved);
    }
    for (const [n, b] of this.#buffers) if (b.device !== device) this.replace(n, b.to({ device }));
    for (const c of this.#children.values()) c.to(device);
    return this;
  }

  dispose(): void {
    for (const p of this.#params.values()) p.tensor.dispose();
    for (const b of this.#buffers.values()) b.dispose();
    for (const c of this.#children.values()) c.dispose();
    this.#params.clear();
    this.#buffers.clear();
    this.#children.clear();
  }
}
