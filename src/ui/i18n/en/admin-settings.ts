import type { adminSettings as zh } from '../zh/admin-settings.js';

export const adminSettings: Record<keyof typeof zh, string> = {
};
