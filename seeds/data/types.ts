/**
 * Record shapes of the seed data modules. Pure data: no DB access here; the
 * seeder (src/cli/seed.ts) resolves slugs to ids and inserts the rows.
 */
import type { UnitKind, VenueKind } from '../../src/db/schema/reference.js';
import type { ObservanceKind } from '../../src/db/schema/observances.js';
import type { EventType, RegistrationMode } from '../../src/db/schema/events.js';
import type { ObservanceRule } from '../../src/modules/observances/rule-types.js';

/** A town or subdistrict (镇/街道/地区) of Miyun. */
export interface SeedTown {
  slug: string;
  nameZh: string;
  nameEn: string;
}

/** An organizing unit (责任单位). `townSlug` is set exactly when `kind` is 'town'. */
export interface SeedUnit {
  slug: string;
  kind: UnitKind;
  nameZh: string;
  nameEn: string;
  townSlug?: string;
}

/** An audience (the five key groups 五大人群, plus general public and families). */
export interface SeedAudience {
  slug: string;
  nameZh: string;
  nameEn: string;
  position: number;
}

/** A rule valid for the years [validFromYear, validToYear], null meaning open-ended. */
export interface SeedObservanceRule {
  validFromYear: number | null;
  validToYear: number | null;
  rule: ObservanceRule;
}

/** Dates actually announced for one year (ISO `YYYY-MM-DD`, inclusive); they win over any rule. */
export interface SeedObservanceOverride {
  year: number;
  startDate: string;
  endDate: string;
  noteZh?: string;
  noteEn?: string;
}

/** A themed day, week or month (纪念日/主题日). */
export interface SeedObservance {
  slug: string;
  kind: ObservanceKind;
  nameZh: string;
  nameEn: string;
  descriptionZh?: string;
  descriptionEn?: string;
  rules: SeedObservanceRule[];
  overrides: SeedObservanceOverride[];
}

/** A task of a year's plan; `key` is stable within the campaign and referenced by event templates. */
export interface SeedCampaignTask {
  key: string;
  titleZh: string;
  titleEn: string;
  descriptionZh: string;
  /** Lead units (责任单位) as unit slugs; catch-all phrases such as 各镇（街道）（地区） are not expanded. */
  leadUnitSlugs: string[];
}

/** A section (一、二、…) of a year's plan; its position is its index in `sections`. */
export interface SeedCampaignSection {
  titleZh: string;
  titleEn: string;
  tasks: SeedCampaignTask[];
}

/** A year's plan (工作要点). */
export interface SeedCampaign {
  slug: string;
  year: number;
  titleZh: string;
  titleEn: string;
  descriptionZh: string;
  descriptionEn?: string;
  sections: SeedCampaignSection[];
}

/** A venue. Coordinates are WGS-84; `townSlug` is absent only for online venues. */
export interface SeedVenue {
  slug: string;
  kind: VenueKind;
  nameZh: string;
  nameEn: string;
  addressZh: string;
  addressEn?: string;
  townSlug?: string;
  capacity: number;
  latitude?: number;
  longitude?: number;
  accessibilityZh?: string;
  accessibilityEn?: string;
  isOnline: boolean;
  allowsSharedUse: boolean;
}

/** One time slot of an event template; local time in Asia/Shanghai. */
export interface SeedEventSession {
  /** 'HH:mm', 24-hour. */
  startTime: string;
  durationMinutes: number;
  /** Days after the event's own day (occurrence start + the event's dayOffset); 0 by default. */
  dayOffset?: number;
}

/**
 * A demo event, placed by the seeder on an occurrence of `observanceSlug` in a given year:
 * its day is the occurrence's start date plus `dayOffset`.
 */
export interface SeedEventTemplate {
  key: string;
  observanceSlug: string;
  /** Days after the occurrence's start; 0 by default. */
  dayOffset?: number;
  titleZh: string;
  titleEn: string;
  descriptionZh: string;
  descriptionEn: string;
  type: EventType;
  ownerUnitSlug: string;
  coUnitSlugs: string[];
  audienceSlugs: string[];
  venueSlug: string;
  /** A task key from the campaign (campaign-2024.ts). */
  taskKey: string;
  registrationMode: RegistrationMode;
  /** Seats (headcount); absent means the venue's capacity applies. */
  capacity?: number;
  sessions: SeedEventSession[];
  tags: string[];
}
