import type { site as zh } from '../zh/site.js';

export const site: Record<keyof typeof zh, string> = {
};
