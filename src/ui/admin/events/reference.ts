import type { CampaignResponse } from '../../../modules/campaigns/campaigns.schemas.js';
import type { UnitResponse } from '../../../modules/units/units.schemas.js';
import type { VenueResponse } from '../../../modules/venues/venues.schemas.js';
import { bodyOf, type ApiCall } from '../../api.js';

export type Named = { id: string; slug: string; nameZh: string; nameEn: string | null };
export type Audience = { slug: string; nameZh: string; nameEn: string };

/** What the event form offers to choose from, read through the public API like any client. */
export type Reference = {
  units: UnitResponse[];
  observances: Named[];
  venues: VenueResponse[];
  campaigns: CampaignResponse[];
  audiences: Audience[];
};


const VENUE_PAGES = 10;

async function allVenues(api: ApiCall): Promise<VenueResponse[]> {
  const venues: VenueResponse[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < VENUE_PAGES; page++) {
    const query: string = cursor ? `?limit=200&cursor=${encodeURIComponent(cursor)}` : '?limit=200';
    const body = bodyOf(await api<{ items: VenueResponse[]; nextCursor: string | null }>('GET', `/venues${query}`));
    venues.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return venues;
}

export async function loadReference(api: ApiCall): Promise<Reference> {
  const [units, observances, venues, campaigns, audiences] = await Promise.all([
    api<{ items: UnitResponse[] }>('GET', '/units').then((a) => bodyOf(a).items),
    api<{ items: Named[] }>('GET', '/observances').then((a) => bodyOf(a).items),
    allVenues(api),
    api<{ items: CampaignResponse[] }>('GET', '/campaigns').then((a) => bodyOf(a).items),
    api<{ items: Audience[] }>('GET', '/audiences').then((a) => bodyOf(a).items),
  ]);
  return { units, observances, venues, campaigns: campaigns.sort((a, b) => b.year - a.year), audiences };
}

/** Units the list filter and the event page need (names by id), without the rest. */
export async function loadUnits(api: ApiCall): Promise<UnitResponse[]> {
  return bodyOf(await api<{ items: UnitResponse[] }>('GET', '/units')).items;
}

export async function loadObservances(api: ApiCall): Promise<Named[]> {
  return bodyOf(await api<{ items: Named[] }>('GET', '/observances')).items;
}
