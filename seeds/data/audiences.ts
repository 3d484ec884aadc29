import type { SeedAudience } from './types.js';

/** The five key groups (五大人群), then the general public and families. */
export const seedAudiences: SeedAudience[] = [
  { slug: 'youth', nameZh: '青少年', nameEn: 'Young people', position: 1 },
  { slug: 'farmers', nameZh: '农民', nameEn: 'Farmers', position: 2 },
  { slug: 'workers', nameZh: '产业工人', nameEn: 'Industrial workers', position: 3 },
  { slug: 'elderly', nameZh: '老年人', nameEn: 'Older people', position: 4 },
  { slug: 'officials', nameZh: '领导干部和公务员', nameEn: 'Officials and civil servants', position: 5 },
  { slug: 'public', nameZh: '社会公众', nameEn: 'General public', position: 6 },
  { slug: 'families', nameZh: '亲子家庭', nameEn: 'Families with children', position: 7 },
];
