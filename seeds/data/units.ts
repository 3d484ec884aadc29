import { seedTowns } from './towns.js';
import type { SeedUnit } from './types.js';

/**
 * District bureaus and other member units named in the 2024 plan and DOMAIN.md.
 * `nameZh` is the short form the plan uses (区科协, 区教委, …).
 */
export const seedDistrictUnits: SeedUnit[] = [
  { slug: 'district-publicity', kind: 'bureau', nameZh: '区委宣传部', nameEn: 'Publicity Department of the District Party Committee' },
  { slug: 'district-organization', kind: 'bureau', nameZh: '区委组织部', nameEn: 'Organization Department of the District Party Committee' },
  { slug: 'district-science-commission', kind: 'bureau', nameZh: '区科委', nameEn: 'District Science and Technology Commission' },
  { slug: 'district-education', kind: 'bureau', nameZh: '区教委', nameEn: 'District Education Commission' },
  { slug: 'district-economy-it', kind: 'bureau', nameZh: '区经信局', nameEn: 'District Economy and Information Technology Bureau' },
  { slug: 'district-media-centre', kind: 'bureau', nameZh: '区融媒体中心', nameEn: 'District Media Centre' },
  { slug: 'district-cast', kind: 'association', nameZh: '区科协', nameEn: 'District Science and Technology Association' },
  { slug: 'district-health', kind: 'bureau', nameZh: '区卫健委', nameEn: 'District Health Commission' },
  { slug: 'district-culture-tourism', kind: 'bureau', nameZh: '区文旅局', nameEn: 'District Culture and Tourism Bureau' },
  { slug: 'district-ecology-environment', kind: 'bureau', nameZh: '区生态环境局', nameEn: 'District Ecology and Environment Bureau' },
  { slug: 'district-city-management', kind: 'bureau', nameZh: '区城管委', nameEn: 'District City Management Commission' },
  { slug: 'district-meteorology', kind: 'bureau', nameZh: '区气象局', nameEn: 'District Meteorological Bureau' },
  { slug: 'district-earthquake', kind: 'bureau', nameZh: '区地震局', nameEn: 'District Earthquake Bureau' },
  { slug: 'district-commerce', kind: 'bureau', nameZh: '区商务局', nameEn: 'District Commerce Bureau' },
  { slug: 'district-market-supervision', kind: 'bureau', nameZh: '区市监局', nameEn: 'District Market Supervision Bureau' },
  { slug: 'district-agriculture', kind: 'bureau', nameZh: '区农业农村局', nameEn: 'District Agriculture and Rural Affairs Bureau' },
  { slug: 'district-landscaping', kind: 'bureau', nameZh: '区园林绿化局', nameEn: 'District Landscaping and Greening Bureau' },
  { slug: 'district-water', kind: 'bureau', nameZh: '区水务局', nameEn: 'District Water Affairs Bureau' },
  { slug: 'district-development-reform', kind: 'bureau', nameZh: '区发展改革委', nameEn: 'District Development and Reform Commission' },
  { slug: 'district-finance', kind: 'bureau', nameZh: '区财政局', nameEn: 'District Finance Bureau' },
  { slug: 'district-human-resources', kind: 'bureau', nameZh: '区人力社保局', nameEn: 'District Human Resources and Social Security Bureau' },
  { slug: 'district-youth-league', kind: 'bureau', nameZh: '团区委', nameEn: 'District Communist Youth League Committee' },
  { slug: 'district-womens-federation', kind: 'bureau', nameZh: '区妇联', nameEn: "District Women's Federation" },
  { slug: 'district-trade-unions', kind: 'bureau', nameZh: '区总工会', nameEn: 'District Federation of Trade Unions' },
];

/** One organizing unit per town, with the same slug and names as the town. */
export const seedTownUnits: SeedUnit[] = seedTowns.map((town) => ({
  slug: town.slug,
  kind: 'town' as const,
  nameZh: town.nameZh,
  nameEn: town.nameEn,
  townSlug: town.slug,
}));

export const seedUnits: SeedUnit[] = [...seedDistrictUnits, ...seedTownUnits];

/**
 * Other spellings of unit names found in the plan's 责任单位 lines, mapped to unit slugs
 * (the plan writes 区卫健委 and 区卫生健康委, 区人力社保局 and 区人保局).
 */
export const seedUnitAliasesZh: Record<string, string> = {
  区卫生健康委: 'district-health',
  区人保局: 'district-human-resources',
};
