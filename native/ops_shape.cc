// Views, indexing, joining and splitting.
#include "handle.h"

namespace denet {

DENET_FN(reshape) { RET(T(0).reshape(intList(A(1)))); }
DENET_FN(view) { RET(T(0).view(intList(A(1)))); }
DENET_FN(permute) { RET(T(0).permute(intList(A(1)))); }
DENET_FN(transpose) { RET(T(0).transpose(i64(A(1)), i64(A(2)))); }
DENET_FN(flatten) { RET(T(0).flatten(i64(A(1)), i64(A(2)))); }
DENET_FN(squeeze) { RET(given(A(1)) ? T(0).squeeze(i64(A(1))) : T(0).squeeze()); }
DENET_FN(unsqueeze) { RET(T(0).unsqueeze(i64(A(1)))); }
DENET_FN(expand) { RET(T(0).expand(intList(A(1)))); }
DENET_FN(narrow) { RET(T(0).narrow(i64(A(1)), i64(A(2)), i64(A(3)))); }
DENET_FN(slice) { RET(T(0).slice(i64(A(1)), intOpt(A(2)), intOpt(A(3)), i64(A(4)))); }
DENET_FN(select) { RET(T(0).select(i64(A(1)), i64(A(2)))); }
DENET_FN(indexSelect) { RET(T(0).index_select(i64(A(1)), T(2))); }
DENET_FN(gather) { RET(T(0).gather(i64(A(1)), T(2))); }
DENET_FN(scatter) { RET(T(0).scatter(i64(A(1)), T(2), T(3))); }
DENET_FN(scatterAdd) { RET(T(0).scatter_add(i64(A(1)), T(2), T(3))); }
DENET_FN(maskedSelect) { RET(T(0).masked_select(T(1))); }
DENET_FN(maskedFill) {
  RET(A(2).IsExternal() ? T(0).masked_fill(T(1), T(2)) : T(0).masked_fill(T(1), scalar(A(2))));
}
DENET_FN(where) {
  auto& c = T(0);
  if (A(1).IsExternal() && A(2).IsExternal()) RET(at::where(c, T(1), T(2)));
  if (A(1).IsExternal()) RET(at::where(c, T(1), scalar(A(2))));
  if (A(2).IsExternal()) RET(at::where(c, scalar(A(1)), T(2)));
  RET(at::where(c, scalar(A(1)), scalar(A(2))));
}
DENET_FN(nonzero) { RET(T(0).nonzero()); }
DENET_FN(cat) { RET(at::cat(tensorList(A(0)), i64(A(1)))); }
DENET_FN(stack) { RET(at::stack(tensorList(A(0)), i64(A(1)))); }
DENET_FN(split) {
  if (A(1).IsNumber()) return wrapList(info.Env(), T(0).split(i64(A(1)), i64(A(2))));
  return wrapList(info.Env(), T(0).split_with_sizes(intList(A(1)), i64(A(2))));
}
DENET_FN(chunk) { return wrapList(info.Env(), T(0).chunk(i64(A(1)), i64(A(2)))); }
DENET_FN(unbind) { return wrapList(info.Env(), T(0).unbind(i64(A(1)))); }
DENET_FN(repeat) { RET(T(0).repeat(intList(A(1)))); }
DENET_FN(flip) { RET(T(0).flip(intList(A(1)))); }
DENET_FN(roll) { RET(T(0).roll(intList(A(1)), intList(A(2)))); }
DENET_FN(tril) { RET(T(0).tril(i64(A(1)))); }
DENET_FN(triu) { RET(T(0).triu(i64(A(1)))); }

/** Advanced indexing t[i0, i1, …] where each entry is a tensor or null (a full slice). */
static c10::List<optional<at::Tensor>> indexList(const Napi::Value& v) {
  auto arr = v.As<Napi::Array>();
  c10::List<optional<at::Tensor>> out;
  for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(unwrapOpt(arr.Get(i)));
  return out;
}
DENET_FN(index) { RET(T(0).index(indexList(A(1)))); }
DENET_FN(indexPut) { RET(T(0).index_put(indexList(A(1)), T(2), flag(A(3)))); }
DENET_FN(indexPut_) {
  T(0).index_put_(indexList(A(1)), T(2), flag(A(3)));
  return info.Env().Undefined();
}

void initShape(Napi::Env env, Napi::Object exports) {
  DENET_EXPORT(exports, reshape);
  DENET_EXPORT(exports, view);
  DENET_EXPORT(exports, permute);
  DENET_EXPORT(exports, transpose);
  DENET_EXPORT(exports, flatten);
  DENET_EXPORT(exports, squeeze);
  DENET_EXPORT(exports, unsqueeze);
  DENET_EXPORT(exports, expand);
  DENET_EXPORT(exports, narrow);
  DENET_EXPORT(exports, slice);
  DENET_EXPORT(exports, select);
  DENET_EXPORT(exports, indexSelect);
  DENET_EXPORT(exports, gather);
  DENET_EXPORT(exports, scatter);
  DENET_EXPORT(exports, scatterAdd);
  DENET_EXPORT(exports, maskedSelect);
  DENET_EXPORT(exports, maskedFill);
  DENET_EXPORT(exports, where);
  DENET_EXPORT(exports, nonzero);
  DENET_EXPORT(exports, cat);
  DENET_EXPORT(exports, stack);
  DENET_EXPORT(exports, split);
  DENET_EXPORT(exports, chunk);
  DENET_EXPORT(exports, unbind);
  DENET_EXPORT(exports, repeat);
  DENET_EXPORT(exports, flip);
  DENET_EXPORT(exports, roll);
  DENET_EXPORT(exports, tril);
  DENET_EXPORT(exports, triu);
  DENET_EXPORT(exports, index);
  DENET_EXPORT(exports, indexPut);
  DENET_EXPORT(exports, indexPut_);
}

}  // namespace denet
