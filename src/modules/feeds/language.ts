export type Language = 'zh' | 'en';

/** The English text when English is asked for and there is one; Chinese otherwise. */
export const pick = (language: Language, zh: string, en: string | null | undefined) => (language === 'en' && en ? en : zh);

/** Audience slugs as their names, for calendars' CATEGORIES and feeds' categories. */
export type AudienceNames = Map<string, { zh: string; en: string }>;
