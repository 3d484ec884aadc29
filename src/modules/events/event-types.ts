import type { EventType } from '../../db/schema/index.js';

/**
 * The event types' names where the API itself speaks them (report groups, spreadsheet
 * headers and cells). The admin UI's catalogue (adminEvents.type.*) shows the same words.
 */
export const EVENT_TYPE_NAMES: Record<EventType, { zh: string; en: string }> = {
  lecture: { zh: '讲座', en: 'Lecture' },
  exhibition: { zh: '展览', en: 'Exhibition' },
  open_day: { zh: '开放日', en: 'Open day' },
  workshop: { zh: '动手体验', en: 'Hands-on workshop' },
  study_tour: { zh: '研学', en: 'Study tour' },
  science_fair: { zh: '科普赶集', en: 'Science fair' },
  competition: { zh: '竞赛', en: 'Competition' },
  training: { zh: '培训', en: 'Training' },
  volunteer_service: { zh: '志愿服务', en: 'Volunteer service' },
  screening: { zh: '科普放映', en: 'Screening' },
  other: { zh: '其他', en: 'Other' },
};
