import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { openDataset } from '../../src/data/open.js';
import { DetectionDataset } from '../../src/data/detection-dataset.js';
import { UserError } from '../../src/util/errors.js';
import { put, tempDir, writeImage } from './helpers.js';

const oneLine = (re: RegExp) => (e: Error) => e instanceof UserError && !e.message.includes('\n') && re.test(e.message);

test('class folders: classes sorted by name, labels follow, empty class folder is an error', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await writeImage(join(dir, 'zebra', 'a.png'), 8, 8);
    await writeImage(join(dir, 'ant', 'b.png'), 8, 8);
    await writeImage(join(dir, 'ant', 'a.png'), 8, 8);
    put(join(dir, 'ant', 'notes.txt'), 'x');
    const { dataset } = openDataset(dir, 'png');
    assert.deepEqual(dataset.classNames, ['ant', 'zebra']);
    assert.equal(dataset.length, 3);
    assert.deepEqual([0, 1, 2].map((i) => [dataset.record(i).file.slice(dir.length), dataset.record(i).label]), [['/ant/a.png', 0], ['/ant/b.png', 0], ['/zebra/a.png', 1]]);
    mkdirSync(join(dir, 'moth'));
    assert.throws(() => openDataset(dir, 'png'), oneLine(/moth: class folder "moth" has no \*\.png images/));
    assert.throws(() => openDataset(join(dir, 'nope'), 'png'), oneLine(/nope: no such folder/));
  } finally {
    cleanup();
  }
});

function cocoJson(images: object[], annotations: object[]): string {
  return JSON.stringify({ images, annotations, categories: [{ id: 18, name: 'dog' }, { id: 1, name: 'person' }, { id: 3, name: 'car' }] });
}

test('COCO: boxes converted, category ids ↔ contiguous classes, crowd kept as ignore, subsets concatenated', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await writeImage(join(dir, 'train2017', 'a.jpg'), 40, 30);
    await writeImage(join(dir, 'val2017', 'b.jpg'), 20, 20);
    put(join(dir, 'annotations', 'instances_train2017.json'), cocoJson(
      [{ id: 7, file_name: 'a.jpg', width: 40, height: 30 }],
      [{ image_id: 7, category_id: 18, bbox: [1, 2, 10, 5], iscrowd: 0 }, { image_id: 7, category_id: 1, bbox: [0, 0, 40, 30], iscrowd: 1 }, { image_id: 7, category_id: 3, bbox: [5, 5, 0, 3] }]));
    put(join(dir, 'annotations', 'instances_val2017.json'), cocoJson([{ id: 9, file_name: 'b.jpg', width: 20, height: 20 }], []));
    const { dataset } = openDataset(dir, 'mscoco,2017-train,2017-val');
    assert.ok(dataset instanceof DetectionDataset);
    assert.deepEqual(dataset.classNames, ['person', 'car', 'dog']);
    assert.deepEqual(dataset.categoryIds, [1, 3, 18]);
    assert.equal(dataset.classOfCategory(18), 2);
    assert.equal(dataset.length, 2);
    const a = dataset.record(0);
    assert.equal(a.id, 7);
    assert.equal(a.file, join(dir, 'train2017', 'a.jpg'));
    assert.deepEqual(a.objects, [
      { box: [1, 2, 11, 7], cls: 2, ignore: false, difficult: false },
      { box: [0, 0, 40, 30], cls: 0, ignore: true, difficult: false },
    ]);
    assert.deepEqual(dataset.record(1).objects, []);
    assert.equal(dataset.record(1).index, 1);
  } finally {
    cleanup();
  }
});

test('COCO: ../ file_name, malformed JSON, unknown subset and bad references are one-line errors naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, 'train2017'), { recursive: true });
    const ann = join(dir, 'annotations', 'instances_train2017.json');
    put(ann, cocoJson([{ id: 1, file_name: '../secret.jpg', width: 4, height: 4 }], []));
    assert.throws(() => openDataset(dir, 'mscoco,2017-train'), oneLine(/instances_train2017.json: file_name "..\/secret.jpg" escapes the image folder/));
    put(ann, cocoJson([{ id: 1, file_name: 'sub/../../x.jpg', width: 4, height: 4 }], []));
    assert.throws(() => openDataset(dir, 'mscoco,2017-train'), oneLine(/escapes the image folder/));
    put(ann, cocoJson([{ id: 1, file_name: '/etc/passwd', width: 4, height: 4 }], []));
    assert.throws(() => openDataset(dir, 'mscoco,2017-train'), oneLine(/invalid file_name/));
    put(ann, '{"images": [');
    assert.throws(() => openDataset(dir, 'mscoco,2017-train'), oneLine(/instances_train2017.json: malformed JSON/));
    put(ann, cocoJson([{ id: 1, file_name: 'a.jpg', width: 4, height: 4 }], [{ image_id: 2, category_id: 1, bbox: [0, 0, 1, 1] }]));
    assert.throws(() => openDataset(dir, 'mscoco,2017-train'), oneLine(/instances_train2017.json: annotation refers to unknown image_id 2/));
    put(ann, cocoJson([{ id: 1, file_name: 'a.jpg', width: 4, height: 4 }], [{ image_id: 1, category_id: 99, bbox: [0, 0, 1, 1] }]));
    assert.throws(() => openDataset(dir, 'mscoco,2017-train'), oneLine(/unknown category_id 99/));
    assert.throws(() => openDataset(dir, 'mscoco,2017-minival'), oneLine(/unknown COCO subset "2017-minival": .*instances_minival2017.json not found/));
  } finally {
    cleanup();
  }
});

function vocXml(w: number, h: number, objects: string): string {
  return `<annotation><folder>VOC2007</folder><filename>FILE</filename><size><width>${w}</width><height>${h}</height><depth>3</depth></size>${objects}</annotation>`;
}
const obj = (name: string, b: number[], difficult = 0) => `<object><name>${name}</name><difficult>${difficult}</difficult><bndbox><xmin>${b[0]}</xmin><ymin>${b[1]}</ymin><xmax>${b[2]}</xmax><ymax>${b[3]}</ymax></bndbox></object>`;

test('VOC: 1-based boxes converted, difficult kept, standard classes, subsets from ImageSets', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const voc = join(dir, 'VOCdevkit', 'VOC2007');
    await writeImage(join(voc, 'JPEGImages', '000001.jpg'), 50, 40);
    await writeImage(join(voc, 'JPEGImages', '000002.jpg'), 30, 30);
    put(join(voc, 'Annotations', '000001.xml'), vocXml(50, 40, obj('dog', [1, 1, 20, 10]) + obj('person', [5, 6, 50, 40], 1)).replace('FILE', '000001.jpg'));
    put(join(voc, 'Annotations', '000002.xml'), vocXml(30, 30, obj('cat', [3, 3, 4, 4])).replace('FILE', '000002.jpg'));
    put(join(voc, 'ImageSets', 'Main', 'trainval.txt'), '000001\n000002\n');
    put(join(voc, 'ImageSets', 'Main', 'test.txt'), '000002\n');
    const { dataset } = openDataset(dir, 'voc,2007-trainval');
    assert.equal(dataset.classNames.length, 20);
    assert.equal(dataset.length, 2);
    const r = dataset.record(0);
    assert.equal(r.id, '2007_000001');
    assert.equal(r.file, join(voc, 'JPEGImages', '000001.jpg'));
    assert.deepEqual(r.objects, [
      { box: [0, 0, 20, 10], cls: 11, ignore: false, difficult: false },
      { box: [4, 5, 50, 40], cls: 14, ignore: false, difficult: true },
    ]);
    assert.equal(openDataset(join(dir, 'VOCdevkit'), 'voc,2007-test').dataset.length, 1);
    put(join(voc, 'classes.txt'), 'person\ndog\ncat\n');
    assert.deepEqual(openDataset(dir, 'voc,2007-trainval').dataset.classNames, ['person', 'dog', 'cat']);
    assert.equal(openDataset(dir, 'voc,2007-trainval').dataset.record(0).objects![0]!.cls, 1);
  } finally {
    cleanup();
  }
});

test('VOC: malformed XML, missing Annotations, unknown subset and missing year are one-line errors naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const voc = join(dir, 'VOCdevkit', 'VOC2012');
    put(join(voc, 'ImageSets', 'Main', 'train.txt'), 'a\n');
    assert.throws(() => openDataset(dir, 'voc,2012-train'), oneLine(/VOC2012\/Annotations: Annotations folder not found/));
    put(join(voc, 'Annotations', 'a.xml'), '<annotation><size><width>3</width></size>');
    assert.throws(() => openDataset(dir, 'voc,2012-train'), oneLine(/Annotations\/a.xml: malformed XML/));
    put(join(voc, 'Annotations', 'a.xml'), '<annotation><size><width>3</width></size></annotation>');
    assert.throws(() => openDataset(dir, 'voc,2012-train'), oneLine(/a.xml: missing or non-numeric <height>/));
    assert.throws(() => openDataset(dir, 'voc,2012-val'), oneLine(/unknown VOC subset "2012-val": .*ImageSets\/Main\/val.txt not found/));
    assert.throws(() => openDataset(dir, 'voc,2007-train'), oneLine(/VOC 2007 folder not found/));
  } finally {
    cleanup();
  }
});

test('ImageNet: train wnid folders; val labels from XML or from the devkit ground truth', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const w of ['n01440764', 'n01443537']) await writeImage(join(dir, 'train', w, `${w}_1.JPEG`), 8, 8);
    await writeImage(join(dir, 'val', 'ILSVRC2012_val_00000001.JPEG'), 8, 8);
    await writeImage(join(dir, 'val', 'ILSVRC2012_val_00000002.JPEG'), 8, 8);
    const train = openDataset(dir, 'imagenet').dataset;
    assert.deepEqual(train.classNames, ['n01440764', 'n01443537']);
    assert.equal(train.record(1).label, 1);
    put(join(dir, 'devkit', 'data', 'ILSVRC2012_validation_ground_truth.txt'), '7\n3\n');
    put(join(dir, 'devkit', 'data', 'map_clsloc.txt'), 'n01440764 7 tench\nn01443537 3 goldfish\n');
    const val = openDataset(dir, 'imagenet,val').dataset;
    assert.deepEqual([val.record(0).label, val.record(1).label], [0, 1]);
    assert.equal(val.record(1).id, 'ILSVRC2012_val_00000002');
    put(join(dir, 'val', 'ILSVRC2012_val_00000001.xml'), '<annotation><object><name>n01443537</name></object></annotation>');
    put(join(dir, 'val', 'ILSVRC2012_val_00000002.xml'), '<annotation><object><name>n01440764</name></object></annotation>');
    const val2 = openDataset(dir, 'imagenet,val').dataset;
    assert.deepEqual([val2.record(0).label, val2.record(1).label], [1, 0]);
  } finally {
    cleanup();
  }
});
