import type { SeedTown } from './types.js';

/** The 20 towns, subdistricts (街道) and the area (地区) of Miyun District, in the order DOMAIN.md lists them. */
export const seedTowns: SeedTown[] = [
  { slug: 'gulou-subdistrict', nameZh: '鼓楼街道', nameEn: 'Gulou Subdistrict' },
  { slug: 'guoyuan-subdistrict', nameZh: '果园街道', nameEn: 'Guoyuan Subdistrict' },
  { slug: 'tanying-area', nameZh: '檀营地区', nameEn: 'Tanying Area' },
  { slug: 'miyun-town', nameZh: '密云镇', nameEn: 'Miyun Town' },
  { slug: 'xiwengzhuang-town', nameZh: '溪翁庄镇', nameEn: 'Xiwengzhuang Town' },
  { slug: 'xitiangezhuang-town', nameZh: '西田各庄镇', nameEn: 'Xitiangezhuang Town' },
  // 堡 is read pù in this place name (十里堡 Shilipu).
  { slug: 'shilipu-town', nameZh: '十里堡镇', nameEn: 'Shilipu Town' },
  { slug: 'henanzhai-town', nameZh: '河南寨镇', nameEn: 'Henanzhai Town' },
  { slug: 'jugezhuang-town', nameZh: '巨各庄镇', nameEn: 'Jugezhuang Town' },
  { slug: 'mujiayu-town', nameZh: '穆家峪镇', nameEn: 'Mujiayu Town' },
  { slug: 'taishitun-town', nameZh: '太师屯镇', nameEn: 'Taishitun Town' },
  { slug: 'gaoling-town', nameZh: '高岭镇', nameEn: 'Gaoling Town' },
  { slug: 'bulaotun-town', nameZh: '不老屯镇', nameEn: 'Bulaotun Town' },
  { slug: 'fengjiayu-town', nameZh: '冯家峪镇', nameEn: 'Fengjiayu Town' },
  { slug: 'gubeikou-town', nameZh: '古北口镇', nameEn: 'Gubeikou Town' },
  { slug: 'dachengzi-town', nameZh: '大城子镇', nameEn: 'Dachengzi Town' },
  { slug: 'dongshaoqu-town', nameZh: '东邵渠镇', nameEn: 'Dongshaoqu Town' },
  { slug: 'beizhuang-town', nameZh: '北庄镇', nameEn: 'Beizhuang Town' },
  { slug: 'xinchengzi-town', nameZh: '新城子镇', nameEn: 'Xinchengzi Town' },
  { slug: 'shicheng-town', nameZh: '石城镇', nameEn: 'Shicheng Town' },
];
