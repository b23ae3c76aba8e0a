// A deliberately plain COCO bbox evaluator for cross-checking the typed-array one: objects,
// per-(image, category) dictionaries and the loop structure of pycocotools' COCOeval
// (evaluate → evaluateImg per image/category/area, accumulate per category/area/maxDets), with
// no bucketing, packing or reuse. Slow; for small random cases only.
interface Ann { image_id: number; category_id: number; bbox: number[]; area?: number; iscrowd?: number; id?: number; score?: number }

export function referenceCocoEval(gtJson: { images: { id: number }[]; categories: { id: number }[]; annotations: Ann[] }, results: Ann[]) {
  const iouThrs = Array.from({ length: 10 }, (_, i) => i * ((0.95 - 0.5) / 9) + 0.5); iouThrs[9] = 0.95;
  const recThrs = Array.from({ length: 101 }, (_, i) => i * (1 / 100)); recThrs[100] = 1;
  const maxDets = [1, 10, 100];
  const areaRng = [[0, 1e10], [0, 1024], [1024, 9216], [9216, 1e10]];
  const imgIds = [...new Set(gtJson.images.map((i) => i.id))].sort((a, b) => a - b);
  const catIds = [...new Set(gtJson.categories.map((c) => c.id))].sort((a, b) => a - b);
  const key = (i: number, c: number) => `${i},${c}`;
  const gts = new Map<string, any[]>(), dts = new Map<string, any[]>();
  for (const g of gtJson.annotations) {
    const k = key(g.image_id, g.category_id);
    if (!gts.has(k)) gts.set(k, []);
    gts.get(k)!.push({ ...g, ignore: g.iscrowd ? 1 : 0 });
  }
  results.forEach((d, i) => {
    const k = key(d.image_id, d.category_id);
    if (!dts.has(k)) dts.set(k, []);
    dts.get(k)!.push({ ...d, area: d.bbox[2] * d.bbox[3], id: i + 1, iscrowd: 0 });
  });
  const iou = (d: number[], g: number[], crowd: boolean) => {
    const w = Math.min(d[2] + d[0], g[2] + g[0]) - Math.max(d[0], g[0]);
    const h = Math.min(d[3] + d[1], g[3] + g[1]) - Math.max(d[1], g[1]);
    if (w <= 0 || h <= 0) return 0;
    const i = w * h, da = d[2] * d[3];
    return i / (crowd ? da : da + g[2] * g[3] - i);
  };
  const byScore = (a: any[]) => [...a].sort((x, y) => y.score - x.score);
  const evaluateImg = (img: number, cat: number, aRng: number[], maxDet: number) => {
    const gt = gts.get(key(img, cat)) ?? [], dtAll = dts.get(key(img, cat)) ?? [];
    if (gt.length === 0 && dtAll.length === 0) return null;
    const gIg = gt.map((g) => (g.ignore || g.area < aRng[0] || g.area > aRng[1] ? 1 : 0));
    const gtind = gt.map((_, i) => i).sort((a, b) => gIg[a] - gIg[b]);
    const g2 = gtind.map((i) => gt[i]), gtIg = gtind.map((i) => gIg[i]);
    const dt = byScore(dtAll).slice(0, maxDet);
    const ious = dt.map((d) => g2.map((g) => iou(d.bbox, g.bbox, !!g.iscrowd)));
    const T = iouThrs.length;
    const gtm = iouThrs.map(() => g2.map(() => 0)), dtm = iouThrs.map(() => dt.map(() => 0)), dtIg = iouThrs.map(() => dt.map(() => 0));
    if (g2.length && dt.length) {
      for (let t = 0; t < T; t++) {
        dt.forEach((d, di) => {
          let best = Math.min(iouThrs[t], 1 - 1e-10), m = -1;
          for (let gi = 0; gi < g2.length; gi++) {
            if (gtm[t][gi] > 0 && !g2[gi].iscrowd) continue;
            if (m > -1 && gtIg[m] === 0 && gtIg[gi] === 1) break;
            if (ious[di][gi] < best) continue;
            best = ious[di][gi]; m = gi;
          }
          if (m === -1) return;
          dtIg[t][di] = gtIg[m]; dtm[t][di] = g2[m].id; gtm[t][m] = d.id;
        });
      }
    }
    for (let t = 0; t < T; t++) dt.forEach((d, di) => { if (dtm[t][di] === 0 && (d.area < aRng[0] || d.area > aRng[1])) dtIg[t][di] = 1; });
    return { dtScores: dt.map((d) => d.score), dtm, dtIg, gtIg };
  };
  const T = iouThrs.length, R = recThrs.length, K = catIds.length, A = areaRng.length, M = maxDets.length;
  const precision = new Array(T * R * K * A * M).fill(-1), recall = new Array(T * K * A * M).fill(-1);
  catIds.forEach((cat, k) => areaRng.forEach((aRng, a) => {
    const E = imgIds.map((img) => evaluateImg(img, cat, aRng, 100)).filter((e) => e !== null) as NonNullable<ReturnType<typeof evaluateImg>>[];
    maxDets.forEach((maxDet, m) => {
      if (!E.length) return;
      const items = E.flatMap((e) => e.dtScores.slice(0, maxDet).map((s, j) => ({ s, e, j })));
      items.sort((x, y) => y.s - x.s); // stable
      const npig = E.reduce((n, e) => n + e.gtIg.filter((v) => v === 0).length, 0);
      if (npig === 0) return;
      for (let t = 0; t < T; t++) {
        let tp = 0, fp = 0;
        const rc: number[] = [], pr: number[] = [];
        for (const it of items) {
          const matched = it.e.dtm[t][it.j] !== 0, ig = it.e.dtIg[t][it.j] !== 0;
          if (matched && !ig) tp++;
          if (!matched && !ig) fp++;
          rc.push(tp / npig); pr.push(tp / (fp + tp + 2.220446049250313e-16));
        }
        recall[((t * K + k) * A + a) * M + m] = rc.length ? rc[rc.length - 1] : 0;
        for (let i = pr.length - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
        recThrs.forEach((r, ri) => {
          const idx = rc.findIndex((v) => v >= r);
          precision[(((t * R + ri) * K + k) * A + a) * M + m] = idx >= 0 ? pr[idx] : 0;
        });
      }
    });
  }));
  return { precision, recall };
}
