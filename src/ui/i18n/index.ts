import { en } from './en/index.js';
import { zh, type MessageKey } from './zh/index.js';

export type { MessageKey };
export const LANGS = ['zh', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export type MessageParams = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: MessageParams) => string;

const catalogues: Record<Lang, Record<MessageKey, string>> = { zh, en };

const fill = (text: string, params?: MessageParams) =>
  params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : text;

export const isLang = (value: unknown): value is Lang => value === 'zh' || value === 'en';

export function translator(lang: Lang): Translate {
  const catalogue = catalogues[lang];
  return (key, params) => fill(catalogue[key], params);
}

/** For keys built from codes the API sends (`field.${code}`): undefined when the catalogue has none. */
export function lookup(lang: Lang, key: string, params?: MessageParams): string | undefined {
  const text = (catalogues[lang] as Record<string, string>)[key];
  return text === undefined ? undefined : fill(text, params);
}
