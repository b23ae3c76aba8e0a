// Module hooks for the no-addon test: any import that resolves into src/torch/ (the only code that
// loads our libtorch addon) fails, as it would where the addon or libtorch is not installed.
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.includes('/src/torch/') || r.url.endsWith('.node')) throw new Error(`blocked: ${r.url} (the libtorch addon is absent here)`);
  return r;
}
