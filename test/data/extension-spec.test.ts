import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExtension } from '../../src/data/extension-spec.js';
import { parseDistort } from '../../src/data/distort.js';

test('parses formats, subsets and options', () => {
  assert.equal(parseExtension('png').format, 'folder');
  assert.equal(parseExtension('PNG').fileExtension, 'png');
  assert.equal(parseExtension('npy').format, 'npy');
  const coco = parseExtension('mscoco,2014-train,2014-val,scale=512,crop=512,crop_mode=denet,augment_photo,mirror=1,images_per_subset=1000');
  assert.equal(coco.format, 'mscoco');
  assert.deepEqual(coco.subsets, [{ year: '2014', split: 'train' }, { year: '2014', split: 'val' }]);
  assert.deepEqual(coco.options, { scale: 512, crop: 512, cropMode: 'denet', augmentPhoto: true, mirror: true, imagesPerSubset: 1000, scaleMode: 'small', subtractMean: false, minVisible: 0.5, cache: false });
  assert.equal(parseExtension('mscoco,2014-train,cache').options.cache, true);
  assert.equal(parseExtension('mscoco,2014-train,cache=ram').options.cache, true);
  assert.equal(parseExtension('mscoco,2014-train,cache=none').options.cache, false);
  const voc = parseExtension('voc,2007-trainval,2012-trainval,scale_mode=large,min_visible=0.25');
  assert.deepEqual(voc.subsets.map((s) => `${s.year}-${s.split}`), ['2007-trainval', '2012-trainval']);
  assert.equal(voc.options.scaleMode, 'large');
  assert.equal(voc.options.minVisible, 0.25);
  assert.deepEqual(parseExtension('imagenet,val,scale=256,crop=224').subsets, [{ year: '', split: 'val' }]);
});

test('unknown keys, values and subsets are errors naming them', () => {
  assert.throws(() => parseExtension('mscoco,2017-val,colour=2'), /unknown option "colour"/);
  assert.throws(() => parseExtension('mscoco,2017-val,cache=disk'), /cache must be ram or none, not "disk"/);
  assert.throws(() => parseExtension('voc,2007-trainvall'), /unknown VOC subset "2007-trainvall"/);
  assert.throws(() => parseExtension('voc,trainval'), /"trainval" is neither an option/);
  assert.throws(() => parseExtension('voc,scale=3'), /needs at least one subset/);
  assert.throws(() => parseExtension('mscoco,2017-val,crop_mode=middle'), /crop_mode must be center, random or denet, not "middle"/);
  assert.throws(() => parseExtension('png,crop=-3'), /positive integer for crop but received "-3"/);
  assert.throws(() => parseExtension('imagenet,scale'), /unknown option or subset "scale" \(give it a value/);
  assert.throws(() => parseExtension('npy,crop=3'), /npy takes no options/);
  assert.throws(() => parseExtension('p.n/g'), /not a file extension/);
});

test('distort-mode parsing', () => {
  assert.deepEqual(parseDistort('o4s10r15m50'), { offset: 4, scale: 10, rotation: 15, mirror: 50 });
  assert.deepEqual(parseDistort('o2, m30'), { offset: 2, scale: 0, rotation: 0, mirror: 30 });
  assert.throws(() => parseDistort('o4x3'), /cannot parse "x3"/);
  assert.throws(() => parseDistort('m150'), /over 100 percent/);
});
