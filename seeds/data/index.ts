export type {
  SeedTown,
  SeedUnit,
  SeedAudience,
  SeedObservance,
  SeedObservanceRule,
  SeedObservanceOverride,
  SeedCampaign,
  SeedCampaignSection,
  SeedCampaignTask,
  SeedVenue,
  SeedEventTemplate,
  SeedEventSession,
} from './types.js';
export { seedTowns } from './towns.js';
export { seedUnits, seedDistrictUnits, seedTownUnits, seedUnitAliasesZh } from './units.js';
export { seedAudiences } from './audiences.js';
export { seedObservances } from './observances.js';
export { seedCampaign2024 } from './campaign-2024.js';
export { seedVenues } from './venues.js';
export { seedEventTemplates } from './demo-events.js';
