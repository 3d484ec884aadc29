import { readdirSync } from 'node:fs';
import t from 'tap';
import { en } from '../src/ui/i18n/en/index.js';
import { zh } from '../src/ui/i18n/zh/index.js';

/** The message catalogues: one per language, assembled from one section per page area. */

const sectionFiles = readdirSync('src/ui/i18n/zh').filter((f) => f.endsWith('.ts') && f !== 'index.ts');

t.test('no key is defined by two sections (the later would silently win)', async (t) => {
  const owner = new Map<string, string>();
  for (const file of sectionFiles) {
    const module = await import(`../src/ui/i18n/zh/${file.replace(/\.ts$/, '.js')}`) as Record<string, Record<string, string>>;
    for (const key of Object.keys(Object.values(module)[0]!)) {
      t.notOk(owner.has(key), `${key} is defined once (${owner.get(key) ?? file}${owner.has(key) ? ` and ${file}` : ''})`);
      owner.set(key, file);
    }
  }
  t.equal(owner.size, Object.keys(zh).length, 'every section is part of the catalogue');
});

t.test('each English message fills the same placeholders as the Chinese one, and none is empty', async (t) => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(zh) as (keyof typeof zh)[]) {
    t.same(placeholders(en[key]), placeholders(zh[key]), `${key}: the same placeholders`);
    t.ok(en[key].trim() && zh[key].trim(), `${key}: not empty`);
  }
  t.same(Object.keys(en).sort(), Object.keys(zh).sort(), 'the same keys (the compiler checks it too)');
});
