/**
 * Parses `--extension` specs: `png` / `jpg` / … (class folders), `npy`, `imagenet[,SPLIT][,OPTIONS]`,
 * `mscoco,SUBSETS[,OPTIONS]` (subsets like `2017-val`, `2015-test-dev`), `voc,SUBSETS[,OPTIONS]`,
 * `images[,OPTIONS]` (unlabelled images for model-predict: a folder, an image or a list file). Options are comma-separated `key=value`
 * (boolean options may be given bare: `mirror` = `mirror=1`). Unknown keys or subsets are errors
 * that name them.
 */
import { UserError } from '../util/errors.js';

/** Image-loader options shared by every image format. */
export interface ImageOptions {
  /** Images visited per epoch (the dataset is streamed in chunks of this many); undefined = all. */
  imagesPerSubset?: number;
  /** Resize so the side chosen by `scaleMode` is this long (before cropping). */
  scale?: number;
  /** Which side `scale` sets: the small side (default) or the large side. */
  scaleMode: 'small' | 'large';
  /** Output square size; undefined keeps the (scaled) image size. */
  crop?: number;
  /** center (default), random, or denet (random scale+aspect crop keeping an object mostly inside). */
  cropMode: 'center' | 'random' | 'denet';
  /** Random brightness, contrast and saturation (training only). */
  augmentPhoto: boolean;
  /** Random horizontal mirror with probability 1/2 (training only). */
  mirror: boolean;
  /** Subtract the per-channel ImageNet mean (pixels are in [0,1]). */
  subtractMean: boolean;
  /** Boxes keeping less than this fraction of their area inside the crop are dropped. */
  minVisible: number;
  /**
   * `cache=ram` (or bare `cache`): keep each decoded image in memory after its first read, so
   * later epochs only crop and augment (Ultralytics' `cache=ram`).
   */
  cache: boolean;
}

/** The data format named by `--extension`. */
export type DataFormat = 'folder' | 'npy' | 'imagenet' | 'mscoco' | 'voc' | 'images';

/** A parsed `--extension` spec. */
export interface ExtensionSpec {
  format: DataFormat;
  /** File extension of class-folder images (without the dot, lower case), e.g. `png`. */
  fileExtension?: string;
  /** COCO/VOC `YEAR-SPLIT` subsets, or the ImageNet split (`train`/`val`). */
  subsets: { year: string; split: string }[];
  options: ImageOptions;
  /** The spec as given, for messages. */
  text: string;
}

/** Defaults: no scaling, centre crop when `crop` is set, no augmentation, min_visible 0.5 (half of a box must stay in the crop). */
export function defaultImageOptions(): ImageOptions {
  return { scaleMode: 'small', cropMode: 'center', augmentPhoto: false, mirror: false, subtractMean: false, minVisible: 0.5, cache: false };
}

const KEYS = ['images_per_subset', 'scale', 'scale_mode', 'crop', 'crop_mode', 'augment_photo', 'mirror', 'subtract_mean', 'min_visible', 'cache'];
const FLAGS = new Set(['augment_photo', 'mirror', 'subtract_mean', 'cache']);
const VOC_SPLITS = new Set(['train', 'val', 'trainval', 'test']);

function positiveInt(key: string, v: string, spec: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n <= 0) throw new UserError(`--extension ${spec}: expected a positive integer for ${key} but received "${v}"`);
  return n;
}

function bool(key: string, v: string, spec: string): boolean {
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new UserError(`--extension ${spec}: expected 0/1 for ${key} but received "${v}"`);
}

function applyOption(o: ImageOptions, key: string, value: string, spec: string): void {
  switch (key) {
    case 'images_per_subset': o.imagesPerSubset = positiveInt(key, value, spec); break;
    case 'scale': o.scale = positiveInt(key, value, spec); break;
    case 'crop': o.crop = positiveInt(key, value, spec); break;
    case 'scale_mode':
      if (value !== 'small' && value !== 'large') throw new UserError(`--extension ${spec}: scale_mode must be small or large, not "${value}"`);
      o.scaleMode = value;
      break;
    case 'crop_mode':
      if (value !== 'center' && value !== 'random' && value !== 'denet') throw new UserError(`--extension ${spec}: crop_mode must be center, random or denet, not "${value}"`);
      o.cropMode = value;
      break;
    case 'augment_photo': o.augmentPhoto = bool(key, value, spec); break;
    case 'mirror': o.mirror = bool(key, value, spec); break;
    case 'subtract_mean': o.subtractMean = bool(key, value, spec); break;
    case 'min_visible': {
      const f = Number(value);
      if (!(f >= 0 && f <= 1)) throw new UserError(`--extension ${spec}: min_visible must be in [0,1], not "${value}"`);
      o.minVisible = f;
      break;
    }
    case 'cache':
      if (!['ram', 'none', '1', '0'].includes(value)) throw new UserError(`--extension ${spec}: cache must be ram or none, not "${value}"`);
      o.cache = value === 'ram' || value === '1';
      break;
    default:
      throw new UserError(`--extension ${spec}: unknown option "${key}" (known: ${KEYS.join(', ')})`);
  }
}

/** Parses an `--extension` spec; throws `UserError` naming the offending part. */
export function parseExtension(text: string): ExtensionSpec {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) throw new UserError('--extension: empty spec (expected png, npy, imagenet, mscoco,SUBSETS or voc,SUBSETS)');
  const head = parts[0]!.toLowerCase();
  const format: DataFormat = head === 'npy' ? 'npy' : head === 'imagenet' ? 'imagenet' : head === 'mscoco' || head === 'coco' ? 'mscoco' : head === 'voc' ? 'voc' : head === 'images' ? 'images' : 'folder';
  if (format === 'folder' && !/^[a-z0-9]+$/.test(head)) throw new UserError(`--extension ${text}: "${parts[0]}" is not a file extension or a known format`);
  const options = defaultImageOptions();
  const subsets: { year: string; split: string }[] = [];
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    if (eq >= 0) {
      applyOption(options, part.slice(0, eq).trim(), part.slice(eq + 1).trim(), text);
    } else if (FLAGS.has(part)) {
      applyOption(options, part, '1', text);
    } else if (format === 'mscoco' || format === 'voc') {
      const m = /^(\d{4})-([A-Za-z0-9_-]+)$/.exec(part);
      if (!m) throw new UserError(`--extension ${text}: "${part}" is neither an option (key=value) nor a subset like 2007-trainval`);
      if (format === 'voc' && !VOC_SPLITS.has(m[2]!)) throw new UserError(`--extension ${text}: unknown VOC subset "${part}" (split must be one of ${[...VOC_SPLITS].join(', ')})`);
      subsets.push({ year: m[1]!, split: m[2]! });
    } else if (format === 'imagenet' && (part === 'train' || part === 'val')) {
      subsets.push({ year: '', split: part });
    } else {
      throw new UserError(`--extension ${text}: unknown option or subset "${part}"${KEYS.includes(part) ? ` (give it a value: ${part}=…)` : ''}`);
    }
  }
  if ((format === 'mscoco' || format === 'voc') && subsets.length === 0) {
    throw new UserError(`--extension ${text}: ${format} needs at least one subset, e.g. ${format === 'voc' ? 'voc,2007-trainval' : 'mscoco,2017-train'}`);
  }
  if (format === 'npy' && parts.length > 1) throw new UserError(`--extension ${text}: npy takes no options`);
  return { format, fileExtension: format === 'folder' ? head : undefined, subsets, options, text };
}
